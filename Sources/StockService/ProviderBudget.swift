import Foundation
import Synchronization

/// The live-mode provider call budget (`PROVIDER_CALLS_PER_MINUTE`, `PROVIDER_CALLS_PER_DAY`): a call
/// is made only if every window still has room, and is counted before it starts, so parallel
/// requests can never overshoot (PITFALLS.md: a free key is 25 calls a day).
///
/// Each window is a sliding log (the times of its last `limit` calls), not a token bucket: a bucket
/// of 25 refilled over a day allows up to 50 calls in some 24 h span, which a provider counting per
/// day would refuse; the log allows exactly `limit` in any span of the window's length.
final class ProviderBudget: Sendable {
    /// What `reserve()` decided.
    enum Decision: Equatable {
        /// The call may go ahead; it has been counted.
        case granted
        /// No room: the earliest the budget frees, in whole seconds (at least 1).
        case exhausted(retryAfterSeconds: Int)
    }

    private let windows: Mutex<[CallWindow]>
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - perMinute: calls in any 60 s; 0 for no limit.
    ///   - perDay: calls in any 86,400 s; 0 for no limit.
    ///   - now: the clock (tests move it).
    init(perMinute: Int, perDay: Int, now: @escaping @Sendable () -> Date) {
        var windows: [CallWindow] = []
        if perMinute > 0 { windows.append(CallWindow(limit: perMinute, seconds: 60)) }
        if perDay > 0 { windows.append(CallWindow(limit: perDay, seconds: 86_400)) }
        self.windows = Mutex(windows)
        self.now = now
    }

    /// Counts one provider call in every window if all have room; otherwise counts nothing.
    func reserve() -> Decision {
        let at = now()
        return windows.withLock { windows in
            var wait: TimeInterval = 0
            for index in windows.indices {
                wait = max(wait, windows[index].wait(at: at))
            }
            guard wait <= 0 else {
                return .exhausted(retryAfterSeconds: max(1, Int(wait.rounded(.up))))
            }
            for index in windows.indices { windows[index].record(at) }
            return .granted
        }
    }
}
