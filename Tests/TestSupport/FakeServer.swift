import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fake provider's server: a ``LoopbackThreadServer`` whose connections answer from the script.
final class FakeServer: Sendable {
    /// Limits, all small because this serves tests.
    enum Limits {
        /// A request head larger than this closes the connection.
        static let headerBytesMax = 16 * 1024
        /// An idle connection (or a hanging one) is dropped after this.
        static let idleTimeoutMs = 30_000
        /// Poll slice, so every thread notices `stop()` within this even if shutdown did not wake it.
        static let pollSliceMs = LoopbackThreadServer.Limits.pollSliceMs
        /// Longest `delay(milliseconds:)` honoured.
        static let delayMaxMs = 60_000
    }

    private let listener: LoopbackThreadServer

    init(script: FakeScript) throws(FakeProviderError) {
        let listener = try LoopbackThreadServer(name: "fake-provider")
        self.listener = listener
        listener.start { fd in FakeConnection(fd: fd, script: script, server: listener).serve() }
    }

    var port: Int { listener.port }
    var connectionCount: Int { listener.acceptedCount }
    var isStopped: Bool { listener.isStopped }

    func stop() { listener.stop() }
}
