/// What a virtual user does in one request. `register` and `login` are the set-up phase's and a
/// token's renewal; the others are the trading day's mix (``OperationMix``).
public enum LoadOperation: Int, CaseIterable, Sendable, Codable {
    case register, login, quote, portfolio, account, history, buy, sell

    /// The name used in flags, the report and the JSON.
    public var name: String {
        switch self {
        case .register: "register"
        case .login: "login"
        case .quote: "quote"
        case .portfolio: "portfolio"
        case .account: "account"
        case .history: "history"
        case .buy: "buy"
        case .sell: "sell"
        }
    }

    /// The operations a mix weights.
    public static let mixed: [LoadOperation] = [.quote, .portfolio, .account, .history, .buy, .sell]

    /// The operation named `name`, if any.
    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }
}
