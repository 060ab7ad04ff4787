/// Everything a run is told on the command line; each flag has a default and a bound.
public struct LoadOptions: Sendable {
    /// The gateway: `http://host:port` (no path, no TLS).
    public var baseURL = "http://127.0.0.1:5000"
    /// Virtual users, each with its own account and session.
    public var users = 200
    /// Requests per second the run aims at, over all users (open loop).
    public var rate = 2000.0
    /// How long the timed part runs (after set-up).
    public var duration: Duration = .seconds(60)
    /// The operations' weights.
    public var mix = OperationMix.dayTrader
    /// Seeds every choice, and names the users (`lg<seed>_<n>`) unless ``userPrefix`` is set.
    public var seed: UInt64 = 1
    /// Usernames are this prefix, `_` and the user's number.
    public var userPrefix: String?
    /// Every user's password.
    public var password = "loadgen-password-1"
    /// Users registered and signed in at once during set-up: each costs the server two scrypt hashes, and
    /// auth hashes on two lines whose queue refuses (503) a hash expected to wait over 2 s; at 8 on this
    /// shared 2-core machine set-up failed with 503s, at 2 it did not.
    public var setupConcurrency = 2
    /// Longest wait for one response.
    public var timeout: Duration = .seconds(10)
    /// Where the JSON report goes, if anywhere.
    public var jsonPath: String?
    /// Where the HTML report goes, if anywhere.
    public var htmlPath: String?
    /// Whether the progress line is printed (stderr, once a second).
    public var progress = true

    /// Bounds: each table of a run is sized by these (users' state, the timeline's seconds).
    public static let usersMax = 100_000
    public static let rateMax = 1_000_000.0
    public static let durationMax: Duration = .seconds(3600)
    public static let setupConcurrencyMax = 256

    /// The defaults.
    public init() {}

    /// The prefix usernames get.
    public var effectivePrefix: String { userPrefix ?? "lg\(seed)" }

    /// Host and port of ``baseURL``.
    public var hostAndPort: (host: String, port: Int)? {
        guard baseURL.hasPrefix("http://") else { return nil }
        var rest = baseURL.dropFirst("http://".count)
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), let colon = rest.lastIndex(of: ":") else { return nil }
        let host = String(rest[..<colon]).trimmingBrackets
        guard !host.isEmpty, let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        return (host, port)
    }

    /// What `--help` prints.
    public static let usage = """
        usage: loadgen [options]
          --url URL              the gateway (default http://127.0.0.1:5000)
          --users N              virtual users, 1-\(usersMax) (default 200)
          --rate R               requests per second over all users, open loop (default 2000)
          --duration D           timed part: 90s, 500ms, 2m (default 60s, at most 1h)
          --mix LIST             weights, e.g. quote=60,portfolio=12,account=12,history=8,buy=4,sell=4
          --seed N               seeds every choice and the usernames (default 1)
          --prefix P             usernames P_1 .. P_N (default lg<seed>)
          --password P           every user's password (default loadgen-password-1)
          --setup-concurrency N  registrations and sign-ins at once (default 2)
          --timeout D            longest wait for one response (default 10s)
          --json FILE            write the report as JSON
          --html FILE            write the report as a self-contained HTML page with SVG charts
          --no-progress          no progress line on stderr
        Exit status: 0 when the run had no errors and its verification passed, 1 otherwise, 2 for bad flags
        or a failed set-up. Requests due but never sent (the rate not held) are reported as unsent.
        """

    /// Parses `arguments` (without the program name).
    public static func parse(_ arguments: [String]) throws(LoadOptionsError) -> LoadOptions {
        var options = LoadOptions()
        var index = 0
        func value(_ flag: String) throws(LoadOptionsError) -> String {
            index += 1
            guard index < arguments.count else { throw LoadOptionsError("\(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let flag = arguments[index]
            switch flag {
            case "--url":
                options.baseURL = try value(flag)
                guard options.hostAndPort != nil else { throw LoadOptionsError("--url must be http://host:port") }
            case "--users":
                options.users = try integer(value(flag), flag, in: 1...usersMax)
            case "--rate":
                guard let rate = Double(try value(flag)), rate > 0, rate <= rateMax else {
                    throw LoadOptionsError("--rate must be a number above 0 and at most \(Int(rateMax))")
                }
                options.rate = rate
            case "--duration":
                options.duration = try duration(value(flag), flag, max: durationMax)
            case "--timeout":
                options.timeout = try duration(value(flag), flag, max: .seconds(600))
            case "--mix":
                guard let mix = OperationMix(parsing: try value(flag)) else {
                    throw LoadOptionsError("--mix must be name=weight,... with names from \(LoadOperation.mixed.map(\.name))")
                }
                options.mix = mix
            case "--seed":
                guard let seed = UInt64(try value(flag)) else { throw LoadOptionsError("--seed must be a whole number") }
                options.seed = seed
            case "--prefix":
                let prefix = try value(flag)
                guard (1...20).contains(prefix.count), prefix.allSatisfy(\.isUsernameCharacter) else {
                    throw LoadOptionsError("--prefix must be 1-20 of A-Z a-z 0-9 _ . -")
                }
                options.userPrefix = prefix
            case "--password":
                let password = try value(flag)
                guard (8...128).contains(password.count) else { throw LoadOptionsError("--password must be 8-128 characters") }
                options.password = password
            case "--setup-concurrency":
                options.setupConcurrency = try integer(value(flag), flag, in: 1...setupConcurrencyMax)
            case "--json": options.jsonPath = try value(flag)
            case "--html": options.htmlPath = try value(flag)
            case "--no-progress": options.progress = false
            case "--help", "-h": throw LoadOptionsError(usage, isHelp: true)
            default: throw LoadOptionsError("unknown flag \(flag)")
            }
            index += 1
        }
        return options
    }

    private static func integer(_ text: String, _ flag: String, in range: ClosedRange<Int>) throws(LoadOptionsError) -> Int {
        guard text.allSatisfy(\.isASCIIDigit), let value = Int(text), range.contains(value) else {
            throw LoadOptionsError("\(flag) must be a whole number in \(range.lowerBound)-\(range.upperBound)")
        }
        return value
    }

    /// `250ms`, `90s`, `2m`, or a plain number of seconds.
    static func duration(_ text: String, _ flag: String, max: Duration) throws(LoadOptionsError) -> Duration {
        let digits = text.prefix(while: \.isASCIIDigit)
        let unit = text.dropFirst(digits.count)
        guard let amount = Int64(digits), !digits.isEmpty, digits.count <= 9 else {
            throw LoadOptionsError("\(flag) must look like 250ms, 90s or 2m")
        }
        let result: Duration
        switch unit {
        case "ms": result = .milliseconds(amount)
        case "s", "": result = .seconds(amount)
        case "m": result = .seconds(amount * 60)
        default: throw LoadOptionsError("\(flag) must look like 250ms, 90s or 2m")
        }
        guard result > .zero, result <= max else { throw LoadOptionsError("\(flag) must be above 0 and at most \(max)") }
        return result
    }
}

/// A flag that could not be used; `isHelp` when the user asked for the usage.
public struct LoadOptionsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public let isHelp: Bool

    init(_ description: String, isHelp: Bool = false) {
        self.description = description
        self.isHelp = isHelp
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isUsernameCharacter: Bool { isASCII && (isLetter || isNumber || self == "_" || self == "." || self == "-") }
}

extension StringProtocol {
    /// `[::1]` → `::1`.
    var trimmingBrackets: String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : String(self)
    }
}
