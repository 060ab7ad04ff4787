/// Runs many requests with bounded concurrency, for the trade concurrency tests.
public enum TradeParallel {
    /// Calls `body(0..<count)` with at most `width` running at once; results in index order.
    public static func run<T: Sendable>(count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> T)
        async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            while next < min(width, count) {
                let index = next
                group.addTask { (index, try await body(index)) }
                next += 1
            }
            while let (index, value) = try await group.next() {
                results[index] = value
                if next < count {
                    let index = next
                    group.addTask { (index, try await body(index)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }

    /// Like `run`, but a thrown error becomes that index's `.failure` instead of cancelling the rest.
    public static func settle<T: Sendable>(count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> T)
        async -> [Result<T, any Error>] {
        (try? await run(count: count, width: width) { index in
            do { return Result<T, any Error>.success(try await body(index)) } catch { return .failure(error) }
        }) ?? []
    }
}
