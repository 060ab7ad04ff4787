#if canImport(Glibc)
import Glibc
#endif

/// Waits for a condition another thread or process makes true, by polling it under a deadline: the
/// condition decides the test's outcome, never how long a sleep lasted (a fixed sleep is too short on a
/// loaded machine and wasted on an idle one).
public enum Eventually {
    /// Polls `condition` every `interval` until it holds or `timeout` has passed; whether it held.
    public static func holds(within timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(5),
                             _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try await condition() { return true }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: interval)
        }
    }

    /// The same, blocking the calling thread (for code that already runs on a thread of its own, such
    /// as `rawBlocking` bodies).
    public static func holdsBlocking(within timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(5),
                                     _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        let (seconds, attoseconds) = interval.components
        let micros = useconds_t(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        while true {
            if try condition() { return true }
            guard ContinuousClock.now < deadline else { return false }
            usleep(micros)
        }
    }
}
