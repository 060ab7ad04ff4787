/// How often each operation of the trading day is chosen, as integer weights.
///
/// The default follows DayTrader's scenario mix (TradeScenarioServlet: quotes 40%, home and account
/// 30%, portfolio 12%, buys and sells 4% each, the rest register, login and logout). This suite has no
/// home page, so its share goes to quotes and history, and sign-in is a session's start, not a mix item.
public struct OperationMix: Sendable, Equatable {
    /// Weight per operation of ``LoadOperation/mixed``; weights need not add up to 100.
    public private(set) var weights: [LoadOperation: Int]
    private var cumulative: [(operation: LoadOperation, upTo: Int)] = []
    /// Sum of the weights.
    public private(set) var total = 0

    /// quote 60, portfolio 12, account 12, history 8, buy 4, sell 4.
    public static let dayTrader = OperationMix(weights: [
        .quote: 60, .portfolio: 12, .account: 12, .history: 8, .buy: 4, .sell: 4,
    ])!

    /// A mix with `weights` (missing operations weigh 0); nil when a weight is negative, an
    /// operation is not one of ``LoadOperation/mixed``, or all weights are 0.
    public init?(weights: [LoadOperation: Int]) {
        var sum = 0
        for operation in LoadOperation.mixed {
            let weight = weights[operation] ?? 0
            guard weight >= 0, weight <= 1_000_000 else { return nil }
            if weight > 0 {
                sum += weight
                cumulative.append((operation, sum))
            }
        }
        guard sum > 0, weights.keys.allSatisfy(LoadOperation.mixed.contains) else { return nil }
        self.weights = weights
        total = sum
    }

    /// Parses `quote=60,portfolio=12,...`; operations not named weigh 0.
    public init?(parsing text: String) {
        var weights: [LoadOperation: Int] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let operation = LoadOperation(name: String(parts[0])),
                  let weight = Int(parts[1]), parts[1].allSatisfy(\.isNumber), weights[operation] == nil
            else { return nil }
            weights[operation] = weight
        }
        self.init(weights: weights)
    }

    /// The operation that `draw` (uniform in 0..<``total``) lands on.
    public func operation(for draw: Int) -> LoadOperation {
        for entry in cumulative where draw < entry.upTo { return entry.operation }
        return cumulative[cumulative.count - 1].operation
    }

    /// `quote=60,portfolio=12,...` in the order of ``LoadOperation/mixed``.
    public var description: String {
        LoadOperation.mixed.compactMap { op in weights[op].map { "\(op.name)=\($0)" } }.joined(separator: ",")
    }

    public static func == (lhs: OperationMix, rhs: OperationMix) -> Bool { lhs.weights == rhs.weights }
}
