import Testing
@testable import HTTP

@Suite("ByteCursor")
struct ByteCursorTests {
    @Test("pieces land after what the array held, in order, and decimals match String(_:)")
    func piecesInOrder() {
        let values = [0, 7, 9, 10, 99, 100, 4_096, 1_234_567_890, Int.max]
        var out = Array("head:".utf8)
        out.appendPieces(maxCount: 64 + values.count * 20) { cursor in
            cursor.put(Array("a=".utf8))
            cursor.put("é€")  // UTF-8 bytes, not characters
            cursor.put(UInt8(ascii: ";"))
            for value in values {
                cursor.putDecimal(value)
                cursor.put(UInt8(ascii: ","))
            }
            cursor.putLineEnd()
        }
        let expected = "head:a=é€;" + values.map { "\($0)," }.joined() + "\r\n"
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test("a run bigger than a stack buffer (a long target) is appended whole")
    func longRun() {
        let target = String(repeating: "/abcdefgh", count: 1_000)
        var out: [UInt8] = []
        out.appendPieces(maxCount: target.utf8.count + 2) { cursor in
            cursor.put(target)
            cursor.putLineEnd()
        }
        #expect(out == Array((target + "\r\n").utf8))
    }

    @Test("exactly maxCount bytes fit")
    func exactFit() {
        var out: [UInt8] = []
        out.appendPieces(maxCount: 5) { cursor in
            cursor.put("abc")
            cursor.putLineEnd()
            #expect(cursor.count == 5)
        }
        #expect(out == Array("abc\r\n".utf8))
    }

    @Test("writing past maxCount stops the process instead of overrunning the buffer")
    func overflowTraps() async {
        await #expect(processExitsWith: .failure) {
            var out: [UInt8] = []
            out.appendPieces(maxCount: 4) { cursor in
                cursor.put("abcd")
                cursor.put(UInt8(ascii: "e"))
            }
        }
    }
}
