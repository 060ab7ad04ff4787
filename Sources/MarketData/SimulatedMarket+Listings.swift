extension SimulatedMarket {
    /// One row of the built-in universe: symbol, company, and the level (whole dollars) the walk
    /// wanders around, near each stock's trading range in 2025.
    struct Entry {
        let symbol: String
        let name: String
        let basePrice: Int64
    }

    /// The simulated universe. Order is the listing order of `symbols`; changing a row changes only
    /// that symbol's prices (each symbol's walk is keyed by its own name).
    static let table: [Entry] = [
        Entry(symbol: "AAPL", name: "Apple Inc.", basePrice: 230),
        Entry(symbol: "MSFT", name: "Microsoft Corporation", basePrice: 420),
        Entry(symbol: "GOOGL", name: "Alphabet Inc.", basePrice: 170),
        Entry(symbol: "AMZN", name: "Amazon.com Inc.", basePrice: 190),
        Entry(symbol: "NVDA", name: "NVIDIA Corporation", basePrice: 130),
        Entry(symbol: "META", name: "Meta Platforms Inc.", basePrice: 560),
        Entry(symbol: "TSLA", name: "Tesla Inc.", basePrice: 250),
        Entry(symbol: "JPM", name: "JPMorgan Chase & Co.", basePrice: 220),
        Entry(symbol: "V", name: "Visa Inc.", basePrice: 290),
        Entry(symbol: "KO", name: "The Coca-Cola Company", basePrice: 65),
        Entry(symbol: "IBM", name: "International Business Machines Corporation", basePrice: 230),
        Entry(symbol: "DIS", name: "The Walt Disney Company", basePrice: 100),
        Entry(symbol: "NFLX", name: "Netflix Inc.", basePrice: 700),
        Entry(symbol: "XOM", name: "Exxon Mobil Corporation", basePrice: 115),
    ]
}
