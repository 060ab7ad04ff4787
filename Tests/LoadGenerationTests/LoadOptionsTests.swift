import LoadGeneration
import Testing

struct LoadOptionsTests {
    @Test func everyParameterIsAFlag() throws {
        let options = try LoadOptions.parse([
            "--url", "http://127.0.0.1:5999", "--users", "50", "--rate", "750.5", "--duration", "90s",
            "--mix", "quote=10,buy=5,sell=5", "--seed", "42", "--json", "r.json", "--html", "r.html",
            "--timeout", "250ms", "--setup-concurrency", "4", "--prefix", "day", "--no-progress",
        ])
        #expect(options.hostAndPort?.host == "127.0.0.1")
        #expect(options.hostAndPort?.port == 5999)
        #expect(options.users == 50)
        #expect(options.rate == 750.5)
        #expect(options.duration == .seconds(90))
        #expect(options.mix == OperationMix(weights: [.quote: 10, .buy: 5, .sell: 5]))
        #expect(options.seed == 42)
        #expect(options.jsonPath == "r.json")
        #expect(options.htmlPath == "r.html")
        #expect(options.timeout == .milliseconds(250))
        #expect(options.setupConcurrency == 4)
        #expect(options.effectivePrefix == "day")
        #expect(!options.progress)
        #expect(try LoadOptions.parse(["--duration", "2m"]).duration == .seconds(120))
        #expect(try LoadOptions.parse([]).effectivePrefix == "lg1")
    }

    @Test(arguments: [
        (["--users", "0"], "users below 1"),
        (["--users", "100001"], "users above the bound"),
        (["--users", "+5"], "a sign"),
        (["--rate", "0"], "no rate"),
        (["--rate", "nan"], "not a number"),
        (["--duration", "2h"], "over the hour"),
        (["--duration", "61m"], "over the hour"),
        (["--duration", "-1s"], "negative"),
        (["--mix", "quote=1,dance=2"], "unknown operation"),
        (["--mix", "quote=0"], "all zero"),
        (["--mix", "quote=1,quote=2"], "named twice"),
        (["--url", "https://x:1"], "TLS"),
        (["--url", "http://x"], "no port"),
        (["--url", "http://x:1/path"], "a path"),
        (["--prefix", "a b"], "a space in a username"),
        (["--users"], "a flag without its value"),
        (["--wat"], "unknown flag"),
    ])
    func badFlagsAreRefused(arguments: [String], why: String) {
        #expect(throws: LoadOptionsError.self, "\(why)") { try LoadOptions.parse(arguments) }
    }

    @Test func theMixDrawsEachOperationInProportionToItsWeight() throws {
        let mix = try #require(OperationMix(parsing: "quote=3,buy=1"))
        #expect(mix.total == 4)
        #expect((0..<4).map(mix.operation(for:)) == [.quote, .quote, .quote, .buy])
        #expect(OperationMix.dayTrader.total == 100)
        #expect(OperationMix.dayTrader.description == "quote=60,portfolio=12,account=12,history=8,buy=4,sell=4")
    }
}
