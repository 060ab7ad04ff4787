import Testing
@testable import Money

/// Overflow must surface as `MoneyError`, never as a trap that takes a service down.
@Suite("Errors")
struct ErrorTests {
    static let overflowing: [(name: String, operation: @Sendable () throws -> Void)] = [
        ("Int64.max + 1 cent", { _ = try Cents(minorUnits: .max).adding(Cents(minorUnits: 1)) }),
        ("Int64.min - 1 cent", { _ = try Cents(minorUnits: .min).subtracting(Cents(minorUnits: 1)) }),
        ("negating Int64.min", { _ = try Cents(minorUnits: .min).negated() }),
        ("proportion 2/1 of Int64.max", { _ = try Cents(minorUnits: .max).proportion(2, of: 1) }),
        ("proportion -1/1 of Int64.min", { _ = try Cents(minorUnits: .min).proportion(-1, of: 1) }),
        ("perShare of Int64.max cents", { _ = try Cents(minorUnits: .max).perShare(1) }),
        ("perShare of Int64.min over -1", { _ = try Cents(minorUnits: .min).perShare(-1) }),
        ("max price × 101 shares", { _ = try Price(minorUnits: .max).total(quantity: 101) }),
        ("max price × max shares", { _ = try Price(minorUnits: .max).total(quantity: .max) }),
        ("2^64-1 / 2 rounds up past Int64.max", {
            _ = try Rounding.roundHalfEven(dividing: (0, .max), by: 2)
        }),
    ]

    @Test("Overflow throws MoneyError.overflow", arguments: overflowing)
    func overflow(row: (name: String, operation: @Sendable () throws -> Void)) {
        #expect(throws: MoneyError.overflow, "\(row.name)") { try row.operation() }
    }

    @Test("Largest in-range results do not throw")
    func boundaries() throws {
        #expect(try Price(minorUnits: .max).total(quantity: 100).minorUnits == .max)
        #expect(try Cents(minorUnits: .max).adding(.zero).minorUnits == .max)
        #expect(try Cents(minorUnits: .min).proportion(1, of: 1).minorUnits == .min)
        #expect(try Price(minorUnits: .max).total(quantity: -100).minorUnits == -Int64.max)
    }

    @Test("Zero denominators throw MoneyError.divisionByZero")
    func divisionByZero() {
        #expect(throws: MoneyError.divisionByZero) { try Cents(minorUnits: 100).proportion(1, of: 0) }
        #expect(throws: MoneyError.divisionByZero) { try Cents.zero.proportion(0, of: 0) }
        #expect(throws: MoneyError.divisionByZero) { try Cents(minorUnits: 100).perShare(0) }
    }

    @Test("Errors describe themselves for logs")
    func descriptions() {
        #expect(MoneyError.overflow.description == "money amount out of range")
        #expect(MoneyError.divisionByZero.description == "money division by zero")
    }
}
