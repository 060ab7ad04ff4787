import Synchronization

/// At most one running operation per key: callers that arrive while one runs share its result.
/// This is how concurrent requests for one symbol make one provider call.
final class SingleFlight<Value: Sendable>: Sendable {
    private let running = Mutex<[String: Task<Value, Never>]>([:])
    /// Callers that joined an operation already running rather than starting one (tests wait on it).
    private let joins = Atomic<Int>(0)

    /// How many callers so far shared an operation already running.
    var joinedCount: Int { joins.load(ordering: .relaxed) }

    /// The result of `operation` for `key`, started now or joined if already running.
    func run(_ key: String, _ operation: @escaping @Sendable () async -> Value) async -> Value {
        let task = running.withLock { flights in
            if let running = flights[key] {
                joins.add(1, ordering: .relaxed)
                return running
            }
            let task = Task {
                // Removed by the task itself, under the same lock that stored it.
                defer { _ = self.running.withLock { $0.removeValue(forKey: key) } }
                return await operation()
            }
            flights[key] = task
            return task
        }
        return await task.value
    }
}
