/// `Result(catching:)` for async typed-throwing calls, so tests can compare outcomes as values.
public func outcome<Value, Failure: Error>(_ body: () async throws(Failure) -> Value) async -> Result<Value, Failure> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}
