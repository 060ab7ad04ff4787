/// What every connection of one event loop shares and reads while it runs: the limits, the
/// process's body budget, the cached `Date` line and whether the server is draining. The loop
/// (``ServerLoop``) owns it and updates the date and the drain flag; a ``ConnectionMachine`` only
/// reads it, so a test builds one by hand and needs no loop.
///
/// Confined to its loop's thread, like the connections that read it.
final class ConnectionEnvironment {
    /// Sizes and timeouts.
    let limits: HTTPLimits
    /// The process-wide budget of buffered request-body bytes (shared by every loop).
    let bodyBudget: BodyBudget
    /// `Date: ...` and CRLF, refreshed by the loop at most once a second.
    var dateLine: [UInt8]
    /// Set once shutdown begins: answers from now on say `Connection: close`.
    var draining = false

    init(limits: HTTPLimits, bodyBudget: BodyBudget, dateLine: [UInt8]) {
        self.limits = limits
        self.bodyBudget = bodyBudget
        self.dateLine = dateLine
    }
}
