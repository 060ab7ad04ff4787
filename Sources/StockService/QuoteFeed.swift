import Foundation
import HTTP
import Money

/// The quotes behind `GET /stocks/stream`: one refresh loop for the whole process that asks the
/// market source for each symbol some subscriber watches, once per ``refreshInterval`` however many
/// subscribers watch it, and writes a `quote` event to every subscriber of a symbol whose price
/// changed. In live mode the source answers from its cache until the quote TTL has passed, and the
/// interval is that TTL, so the provider sees at most one call per watched symbol per TTL: the
/// budget is spent per symbol, never per subscriber. The loop runs only while someone subscribes.
actor QuoteFeed {
    private struct Subscriber {
        let symbols: [String]
        let stream: ResponseStream
    }

    private let source: any MarketSource
    /// How often watched symbols are asked for (`STREAM_REFRESH_MS`).
    let refreshInterval: Duration
    private var subscribers: [Int: Subscriber] = [:]
    /// Subscriber ids per watched symbol; a symbol leaves when its last subscriber does.
    private var watchers: [String: Set<Int>] = [:]
    /// The last price sent per watched symbol.
    private var lastPrices: [String: Price] = [:]
    private var nextID = 0
    private var refresher: Task<Void, Never>?

    init(source: any MarketSource, refreshInterval: Duration) {
        self.source = source
        self.refreshInterval = refreshInterval
    }

    /// Subscribers now (tests, and the bound the server's connection limit puts on them).
    var subscriberCount: Int { subscribers.count }

    /// Adds `stream` as a watcher of `quotes`' symbols, whose current quotes are its first events.
    func subscribe(_ quotes: [Quote], stream: ResponseStream) -> Int {
        nextID += 1
        let id = nextID
        subscribers[id] = Subscriber(symbols: quotes.map(\.symbol), stream: stream)
        for quote in quotes {
            watchers[quote.symbol, default: []].insert(id)
            if lastPrices[quote.symbol] == nil { lastPrices[quote.symbol] = quote.price }
            stream.write(Self.event(quote))
        }
        if refresher == nil {
            refresher = Task { [weak self] in await self?.refreshLoop() }
        }
        return id
    }

    /// Forgets a subscriber (its stream closed); the loop stops with the last one.
    func unsubscribe(_ id: Int) {
        guard let subscriber = subscribers.removeValue(forKey: id) else { return }
        for symbol in subscriber.symbols {
            watchers[symbol]?.remove(id)
            if watchers[symbol]?.isEmpty ?? false {
                watchers[symbol] = nil
                lastPrices[symbol] = nil
            }
        }
        if subscribers.isEmpty {
            refresher?.cancel()
            refresher = nil
        }
    }

    private func refreshLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: refreshInterval)
            if Task.isCancelled { return }
            await refresh()
        }
    }

    /// One round: each watched symbol asked once; a changed price goes to its watchers.
    func refresh() async {
        for symbol in watchers.keys.sorted() {
            // A failed refresh (provider down, budget spent) sends nothing: the last price stands.
            guard let quote = try? await source.quote(symbol) else { continue }
            guard let ids = watchers[symbol], lastPrices[symbol] != quote.price else { continue }
            lastPrices[symbol] = quote.price
            let event = Self.event(quote)
            for id in ids { subscribers[id]?.stream.write(event) }
        }
    }

    /// `event: quote` with the quote as `GET /stocks/{symbol}` gives it.
    static func event(_ quote: Quote) -> [UInt8] {
        Array("event: quote\ndata: \(StockHandlers.quoteJSON(quote))\n\n".utf8)
    }
}
