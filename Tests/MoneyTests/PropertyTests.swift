import Testing
import TestSupport
import Money

/// Checks `Price.total(quantity:)` against an independent reference that multiplies
/// decimal digit strings by hand, so a mistake in the 128-bit path, the sign handling or
/// the tie rule shows up as a mismatch rather than being mirrored by the test.
@Suite("Properties")
struct PropertyTests {

    /// Little-endian decimal digits of a non-negative integer, taken from its text form.
    static func digits(_ value: UInt64) -> [Int] {
        String(value).utf8.reversed().map { Int($0 - UInt8(ascii: "0")) }
    }

    /// Schoolbook multiplication of little-endian digit arrays.
    static func multiply(_ lhs: [Int], _ rhs: [Int]) -> [Int] {
        var product = [Int](repeating: 0, count: lhs.count + rhs.count + 1)
        for (i, a) in lhs.enumerated() {
            var carry = 0
            for (j, b) in rhs.enumerated() {
                let cell = product[i + j] + a * b + carry
                product[i + j] = cell % 10
                carry = cell / 10
            }
            var k = i + rhs.count
            while carry > 0 {
                let cell = product[k] + carry
                product[k] = cell % 10
                carry = cell / 10
                k += 1
            }
        }
        return product
    }

    /// Divides price-unit digits by 100 (drops two digits) and rounds half-even on the
    /// dropped pair; returns the magnitude in cents as decimal text without leading zeros.
    static func centsText(ofPriceUnits product: [Int]) -> String {
        let dropped = product[1] * 10 + product[0]
        var cents = Array(product.dropFirst(2))
        let roundsUp = dropped > 50 || (dropped == 50 && cents[0] % 2 == 1)
        if roundsUp {
            var k = 0
            while cents[k] == 9 {
                cents[k] = 0
                k += 1
            }
            cents[k] += 1
        }
        while cents.count > 1, cents.last == 0 { cents.removeLast() }
        return String(cents.reversed().map { Character(String($0)) })
    }

    /// Whether decimal `text` (no leading zeros) is at most `limit`.
    static func fits(_ text: String, within limit: String) -> Bool {
        text.count != limit.count ? text.count < limit.count : text <= limit
    }

    static func randomPrice(using rng: inout SeededGenerator) -> Int64 {
        switch rng.next() % 5 {
        case 0: return Int64.random(in: 0..<100, using: &rng)  // sub-cent prices
        case 4: return 1 << Int64.random(in: 0...62, using: &rng)  // 128-bit carry edges
        case 1: return Int64.random(in: 0..<1_000_000, using: &rng) * 50  // half-cent ties
        case 2: return Int64.random(in: 0..<10_000_000_000_000, using: &rng)  // up to 10^9
        default: return Int64.random(in: 0...Int64.max, using: &rng)  // anything, overflows
        }
    }

    static func randomQuantity(using rng: inout SeededGenerator) -> Int64 {
        let magnitude: Int64
        switch rng.next() % 4 {
        case 0: magnitude = Int64.random(in: 0...10, using: &rng)
        // With a power-of-two price this makes products whose low 64 bits are all zero,
        // the one case where negating the 128-bit product must carry into the high word.
        case 3: magnitude = 1 << Int64.random(in: 0...62, using: &rng)
        case 1: magnitude = Int64.random(in: 0...1_000_000, using: &rng)
        default: magnitude = Int64.random(in: 0...Int64.max, using: &rng)
        }
        return rng.next() % 4 == 0 ? -magnitude : magnitude
    }

    @Test("total(quantity:) matches a decimal-string reference on 10,000 seeded cases")
    func totalMatchesReference() {
        var rng = SeededGenerator(state: 0x5EED_CAFE_F00D_0001)
        var ties = 0
        var overflows = 0
        var exact = 0

        for _ in 0..<10_000 {
            let priceUnits = Self.randomPrice(using: &rng)
            let quantity = Self.randomQuantity(using: &rng)
            let product = Self.multiply(
                Self.digits(UInt64(priceUnits)), Self.digits(quantity.magnitude))
            if product[1] * 10 + product[0] == 50 { ties += 1 }

            let expected = Self.centsText(ofPriceUnits: product)
            let negative = quantity < 0 && expected != "0"
            let limit = negative ? "9223372036854775808" : "9223372036854775807"
            let price = Price(minorUnits: priceUnits)

            if Self.fits(expected, within: limit) {
                exact += 1
                do {
                    let total = try price.total(quantity: quantity)
                    #expect(String(total.minorUnits.magnitude) == expected,
                            "\(price) × \(quantity)")
                    #expect((total.minorUnits < 0) == negative, "sign of \(price) × \(quantity)")
                } catch {
                    Issue.record("\(price) × \(quantity) threw \(error), expected \(expected)")
                }
            } else {
                overflows += 1
                #expect(throws: MoneyError.overflow, "\(price) × \(quantity)") {
                    try price.total(quantity: quantity)
                }
            }
        }

        // Guard against a generator change that silently stops exercising the edges.
        #expect(ties > 300, "ties exercised: \(ties)")
        #expect(overflows > 300, "overflows exercised: \(overflows)")
        #expect(exact > 5_000, "in-range cases exercised: \(exact)")
    }

    @Test("description round-trips for 10,000 seeded amounts")
    func descriptionRoundTrips() {
        var rng = SeededGenerator(state: 0x5EED_CAFE_F00D_0002)
        for _ in 0..<10_000 {
            let bits = Int64(bitPattern: rng.next())
            let scaled = rng.next() % 2 == 0 ? bits : bits % 100_000
            let cents = Cents(minorUnits: scaled)
            #expect(Cents(canonical: cents.description) == cents, "\(scaled)")
            let price = Price(minorUnits: scaled.magnitude > UInt64(Int64.max) ? 0 : abs(scaled))
            #expect(Price(parsing: price.description) == price, "\(scaled)")
        }
    }
}
