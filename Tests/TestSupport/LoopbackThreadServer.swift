import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listener on 127.0.0.1 port 0 for the test fakes (the market-data provider, the gateway's
/// stand-in upstreams): an accept thread plus one thread per connection, all joined by `stop()`.
///
/// Descriptor lifetime rule: a descriptor is closed only by the thread that owns it, and only while
/// holding the state lock and removing it from `open`; `stop()` shuts down (never closes) what is in
/// `open` under the same lock. So `stop()` can never hit a number that was closed and reused.
final class LoopbackThreadServer: Sendable {
    /// Limits, all small because this serves tests.
    enum Limits {
        /// Simultaneous connections; more are closed at once.
        static let connectionsMax = 64
        /// Poll slice, so every thread notices `stop()` within this even if shutdown did not wake it.
        static let pollSliceMs: Int32 = 100
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
    private let name: String
    private let listenFD: Int32
    private let threads = DispatchGroup()
    private let state = Mutex(State())

    /// Binds; call ``start(_:)`` to accept. `name` prefixes the threads' names.
    init(name: String) throws(FakeProviderError) {
        let listener = try FakeSocket.listenLoopback()
        listenFD = listener.fd
        port = listener.port
        self.name = name
    }

    /// Accepts connections, each served by `serve` on its own thread; the descriptor is closed
    /// after `serve` returns.
    func start(_ serve: @escaping @Sendable (Int32) -> Void) {
        threads.enter()
        let thread = Thread { [self] in
            acceptLoop(serve)
            threads.leave()
        }
        thread.name = "\(name)-accept"
        thread.start()
    }

    /// Connections accepted so far.
    var acceptedCount: Int { state.withLock { $0.accepted } }
    var isStopped: Bool { state.withLock { $0.stopped } }

    /// Closes the listener and every connection; waits (bounded) for the threads. Idempotent.
    func stop() {
        state.withLock { state in
            state.stopped = true
            if state.listenerOpen { FakeSocket.shutdownBoth(listenFD) }
            for fd in state.open { FakeSocket.shutdownBoth(fd) }
        }
        _ = threads.wait(timeout: .now() + Limits.stopWaitSeconds)
    }

    private func acceptLoop(_ serve: @escaping @Sendable (Int32) -> Void) {
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
                serve(fd)
                state.withLock { state in
                    state.open.remove(fd)
                    FakeSocket.close(fd)
                }
                threads.leave()
            }
            thread.name = "\(name)-connection"
            thread.start()
        }
        state.withLock { state in
            state.listenerOpen = false
            FakeSocket.close(listenFD)
        }
    }
}
