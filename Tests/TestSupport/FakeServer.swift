import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fake's listener: an accept thread plus one thread per connection, all joined by `stop()`.
///
/// Descriptor lifetime rule: a descriptor is closed only by the thread that owns it, and only while
/// holding the state lock and removing it from `open`; `stop()` shuts down (never closes) what is in
/// `open` under the same lock. So `stop()` can never hit a number that was closed and reused.
final class FakeServer: Sendable {
    /// Limits, all small because this serves tests.
    enum Limits {
        /// Simultaneous connections; more are closed at once.
        static let connectionsMax = 64
        /// A request head larger than this closes the connection.
        static let headerBytesMax = 16 * 1024
        /// An idle connection (or a hanging one) is dropped after this.
        static let idleTimeoutMs = 30_000
        /// Poll slice, so every thread notices `stop()` within this even if shutdown did not wake it.
        static let pollSliceMs: Int32 = 100
        /// Longest `delay(milliseconds:)` honoured.
        static let delayMaxMs = 60_000
        /// How long `stop()` waits for the threads.
        static let stopWaitSeconds = 5.0
    }

    private struct State {
        var stopped = false
        var listenerOpen = true
        var open: Set<Int32> = []
        var accepted = 0
    }

    let port: Int
    private let listenFD: Int32
    private let script: FakeScript
    private let threads = DispatchGroup()
    private let state = Mutex(State())

    init(script: FakeScript) throws(FakeProviderError) {
        let listener = try FakeSocket.listenLoopback()
        listenFD = listener.fd
        port = listener.port
        self.script = script
        threads.enter()
        let thread = Thread { [self] in
            acceptLoop()
            threads.leave()
        }
        thread.name = "fake-provider-accept"
        thread.start()
    }

    var connectionCount: Int { state.withLock { $0.accepted } }
    var isStopped: Bool { state.withLock { $0.stopped } }

    func stop() {
        state.withLock { state in
            state.stopped = true
            if state.listenerOpen { FakeSocket.shutdownBoth(listenFD) }
            for fd in state.open { FakeSocket.shutdownBoth(fd) }
        }
        _ = threads.wait(timeout: .now() + Limits.stopWaitSeconds)
    }

    private func acceptLoop() {
        while !isStopped {
            guard FakeSocket.waitReadable(listenFD, timeoutMs: Limits.pollSliceMs) else { continue }
            let fd = accept(listenFD, nil, nil)
            guard fd >= 0 else { continue }  // EINTR, or EINVAL after shutdown: the loop re-checks
            let admitted = state.withLock { state in
                guard !state.stopped, state.open.count < Limits.connectionsMax else { return false }
                state.open.insert(fd)
                state.accepted += 1
                return true
            }
            guard admitted else {
                FakeSocket.close(fd)
                continue
            }
            FakeSocket.setNoDelay(fd)
            threads.enter()
            let thread = Thread { [self] in
                FakeConnection(fd: fd, script: script, server: self).serve()
                state.withLock { state in
                    state.open.remove(fd)
                    FakeSocket.close(fd)
                }
                threads.leave()
            }
            thread.name = "fake-provider-connection"
            thread.start()
        }
        state.withLock { state in
            state.listenerOpen = false
            FakeSocket.close(listenFD)
        }
    }
}
