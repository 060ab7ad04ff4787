import HTTP
import Money

/// Before the timed part: the market's symbols, then each user registered (or, when the name is
/// taken, signed in as an earlier run's user), signed in, and its account read as the baseline that
/// verification starts from. Closed loop, `setupConcurrency` users at a time: each sign-in is a
/// scrypt hash on the server, which the timed part should not pay for.
struct SessionSetup: Sendable {
    struct Sample {
        let operation: LoadOperation
        let outcome: String
        let microseconds: UInt64
    }

    /// The market as listed at the start.
    struct Market {
        let symbols: [String]
        let prices: [Price]
    }

    /// Attempts at one registration or sign-in (5xx answers and failures are waited out with a
    /// doubling pause from 100 ms); more than this is a failed set-up.
    static let attemptsMax = 8

    let client: SuiteClient
    let options: LoadOptions

    func market() async throws(SetupError) -> Market {
        let outcome = await client.send(SuiteClient.request("GET", "/stocks"))
        guard case .response(200, let body) = outcome, let listing = SuiteReplies.decode(SuiteReplies.Listing.self, body),
              !listing.stocks.isEmpty
        else { throw SetupError("GET /stocks answered \(outcome.label): the suite's market is needed to choose symbols") }
        return Market(symbols: listing.stocks.map(\.symbol), prices: listing.stocks.map(\.price))
    }

    /// Every user, in order, with the set-up's samples.
    func users(record: (Sample) -> Void) async throws(SetupError) -> [VirtualUser] {
        var users = [VirtualUser?](repeating: nil, count: options.users)
        var failure: SetupError?
        await withTaskGroup(of: (Int, Result<VirtualUser, SetupError>, [Sample]).self) { group in
            var next = 0
            func startNext() {
                guard next < options.users else { return }
                let index = next
                next += 1
                group.addTask {
                    var samples: [Sample] = []
                    let result: Result<VirtualUser, SetupError>
                    do throws(SetupError) { result = .success(try await user(index, samples: &samples)) } catch { result = .failure(error) }
                    return (index, result, samples)
                }
            }
            for _ in 0..<options.setupConcurrency { startNext() }
            for await (index, result, samples) in group {
                samples.forEach(record)
                switch result {
                case .success(let user): users[index] = user
                case .failure(let error): failure = failure ?? error
                }
                if failure == nil { startNext() }
            }
        }
        if let failure { throw failure }
        return users.map { $0! }
    }

    func username(_ index: Int) -> String { "\(options.effectivePrefix)_\(index + 1)" }

    private func user(_ index: Int, samples: inout [Sample]) async throws(SetupError) -> VirtualUser {
        let name = username(index)
        let credentials = Array(#"{"username":"\#(name)","password":"\#(options.password)"}"#.utf8)
        let registered = await timed(.register, SuiteClient.request("POST", "/auth/register", json: credentials), &samples)
        guard case .response(let status, _) = registered, status == 201 || status == 409 else {
            throw SetupError("register \(name): \(registered.label)")
        }
        let signedIn = await timed(.login, SuiteClient.request("POST", "/auth/login", json: credentials), &samples)
        guard case .response(200, let body) = signedIn, let login = SuiteReplies.decode(SuiteReplies.Login.self, body) else {
            throw SetupError("login \(name): \(signedIn.label)\(registeredBefore(registered))")
        }
        let baseline = try await AccountReader(client: client, token: login.access_token, username: name).baseline()
        return VirtualUser(username: name, token: login.access_token,
                           tokenRenewal: Self.renewal(expiresIn: login.expires_in), baseline: baseline)
    }

    private func registeredBefore(_ outcome: SuiteClient.Outcome) -> String {
        if case .response(409, _) = outcome { return " (the name was taken: an earlier run with another --password?)" }
        return ""
    }

    /// A minute before the token expires (half its life when shorter).
    static func renewal(expiresIn: Int, now: ContinuousClock.Instant = .now) -> ContinuousClock.Instant {
        now + .seconds(expiresIn > 120 ? expiresIn - 60 : max(1, expiresIn / 2))
    }

    /// Sends `request`, waiting out 5xx answers and failures, and samples each attempt.
    private func timed(_ operation: LoadOperation, _ request: ClientRequest, _ samples: inout [Sample]) async -> SuiteClient.Outcome {
        var outcome = SuiteClient.Outcome.failed(.connectFailed)
        for attempt in 0..<Self.attemptsMax {
            let start = ContinuousClock.now
            outcome = await client.send(request)
            samples.append(Sample(operation: operation, outcome: outcome.label, microseconds: (ContinuousClock.now - start).wholeMicroseconds))
            // A 5xx or no answer: auth's scrypt queue was full (503) or a hash outlasted the gateway's
            // upstream timeout (504). Both are safe to repeat: a registration that did go through
            // answers 409 the second time, which set-up takes as "exists".
            if case .response(let status, _) = outcome, status < 500 { return outcome }
            try? await Task.sleep(for: .milliseconds(100 << attempt))
        }
        return outcome
    }
}

/// The set-up could not finish: the run does not start.
public struct SetupError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
