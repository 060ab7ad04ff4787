extension TestClient.Reply {
    /// The problem `type` of an error body.
    public var problemType: String? { string("type") }

    /// Whether this is an RFC 9457 problem with this status (in the header and the body) and type.
    public func isTradeProblem(_ status: Int, _ type: String? = nil) -> Bool {
        self.status == status && int("status") == status
            && headers["Content-Type"]?.hasPrefix("application/problem+json") == true
            && (type == nil || problemType == type)
    }

    /// Whether the body is byte for byte `other`'s (a Bool, so a failure prints the texts, not byte arrays).
    public func sameBytes(as other: TestClient.Reply?) -> Bool { body == other?.body }

    /// The body as an executed order.
    public var transaction: TradeTransaction? { TradeTransaction(body: body) }
}
