import Foundation
import Testing
import Money

/// JSON coders live in Foundation, which the library avoids; only the tests import it.
@Suite("Codable")
struct CodableTests {
    struct Position: Codable, Equatable {
        var costBasis: Cents
        var unrealized: Cents
        var lastPrice: Price
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    @Test("Amounts encode as canonical JSON strings, never numbers")
    func encodesStrings() throws {
        let position = Position(
            costBasis: Cents(minorUnits: 69_648),
            unrealized: Cents(minorUnits: -5),
            lastPrice: Price(minorUnits: 1_250))
        let json = String(decoding: try Self.encoder().encode(position), as: UTF8.self)
        #expect(json == #"{"costBasis":"696.48","lastPrice":"0.125","unrealized":"-0.05"}"#)
    }

    @Test("Round trip through JSONEncoder and JSONDecoder", arguments: [
        (Int64(0), Int64(0)),
        (Int64(1_000_000), Int64(2_321_600)),
        (Int64(-1234), Int64(1)),
        (Int64.min, Int64.max),
        (Int64.max, Int64(0)),
    ])
    func roundTrip(cents: Int64, price: Int64) throws {
        let position = Position(
            costBasis: Cents(minorUnits: cents),
            unrealized: Cents(minorUnits: cents),
            lastPrice: Price(minorUnits: price))
        let data = try Self.encoder().encode(position)
        #expect(try JSONDecoder().decode(Position.self, from: data) == position)
    }

    static let corrupt: [(json: String, why: String)] = [
        (#"{"costBasis":"+5","lastPrice":"1","unrealized":"0"}"#, "plus sign in cents"),
        (#"{"costBasis":"1e3","lastPrice":"1","unrealized":"0"}"#, "exponent in cents"),
        (#"{"costBasis":"5.123","lastPrice":"1","unrealized":"0"}"#, "three decimals in cents"),
        (#"{"costBasis":"5","lastPrice":"-1","unrealized":"0"}"#, "negative price"),
        (#"{"costBasis":"5","lastPrice":"0.00001","unrealized":"0"}"#, "five decimals in price"),
        (#"{"costBasis":"5","lastPrice":" 1","unrealized":"0"}"#, "whitespace in price"),
    ]

    @Test("Non-canonical strings fail with dataCorrupted", arguments: corrupt)
    func rejectsCorrupt(row: (json: String, why: String)) {
        do {
            _ = try JSONDecoder().decode(Position.self, from: Data(row.json.utf8))
            Issue.record("decoded \(row.why)")
        } catch DecodingError.dataCorrupted {
            // expected
        } catch {
            Issue.record("\(row.why): wrong error \(error)")
        }
    }

    @Test("JSON numbers are refused, so no float can sneak in")
    func rejectsNumbers() {
        let json = #"{"costBasis":12.34,"lastPrice":"1","unrealized":"0"}"#
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Position.self, from: Data(json.utf8))
        }
    }

    @Test("A negative price refuses to encode rather than emit undecodable JSON")
    func negativePriceDoesNotEncode() {
        let position = Position(
            costBasis: .zero, unrealized: .zero, lastPrice: Price(minorUnits: -1))
        #expect(throws: EncodingError.self) { try Self.encoder().encode(position) }
    }
}
