import Money

/// A user's cash and holdings at one moment, exactly: as read from the API, or as implied by orders.
public struct AccountState: Sendable, Equatable {
    /// Shares and cost basis of one symbol.
    public struct Holding: Sendable, Equatable {
        public var quantity: Int64
        public var costBasis: Cents

        public init(quantity: Int64, costBasis: Cents) {
            self.quantity = quantity
            self.costBasis = costBasis
        }
    }

    public var cash: Cents
    /// By symbol; a fully sold holding is absent.
    public var holdings: [String: Holding]
    /// The newest transaction's id (0 for none): later ids are the run's.
    public var lastTransactionID: Int64

    public init(cash: Cents, holdings: [String: Holding] = [:], lastTransactionID: Int64 = 0) {
        self.cash = cash
        self.holdings = holdings
        self.lastTransactionID = lastTransactionID
    }

    /// Applies `order` with the contract's rules (API.md "Trade"): a buy pays `total + fee` and adds
    /// both to the cost basis; selling q of Q shares receives `total − fee` and removes
    /// `cost_basis × q / Q`, half-even to the cent; a holding sold to zero disappears.
    public mutating func apply(_ order: OrderRecord) throws(LedgerProblem) {
        var holding = holdings[order.symbol] ?? Holding(quantity: 0, costBasis: .zero)
        do {
            switch order.side {
            case .buy:
                let cost = try order.total.adding(order.fee)
                cash = try cash.subtracting(cost)
                holding.quantity += order.quantity
                holding.costBasis = try holding.costBasis.adding(cost)
            case .sell:
                guard holding.quantity >= order.quantity else {
                    throw LedgerProblem("order \(order.summary) sells more than the \(holding.quantity) shares held")
                }
                let removed = try holding.costBasis.proportion(order.quantity, of: holding.quantity)
                holding.costBasis = try holding.costBasis.subtracting(removed)
                holding.quantity -= order.quantity
                cash = try cash.adding(order.total.subtracting(order.fee))
            }
        } catch let error as LedgerProblem {
            throw error
        } catch {
            throw LedgerProblem("order \(order.summary) overflows: \(error)")
        }
        holdings[order.symbol] = holding.quantity == 0 ? nil : holding
        lastTransactionID = max(lastTransactionID, order.id)
    }
}

/// Why a user's books do not add up, in words that name the difference.
public struct LedgerProblem: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
