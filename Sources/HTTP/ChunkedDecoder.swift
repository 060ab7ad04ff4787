/// A byte-at-a-time state machine for the chunked transfer coding (RFC 9112 §7.1), so any split
/// of the input across reads gives the same result. Data bytes are copied in bulk.
struct ChunkedDecoder {
    enum Outcome: Equatable {
        case needMore
        case done
        case failure(HTTPParseError)
    }

    private enum State {
        case size(value: Int, digits: Int)
        case sizeWhitespace(value: Int)   // BWS after the size: only a `;` may follow
        case sizeExtension(value: Int)
        case sizeLF(value: Int)
        case data(remaining: Int)
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerLine
        case trailerLF(endsSection: Bool)
    }

    private var state = State.size(value: 0, digits: 0)
    private var lineBytes = 0        // bytes of the current size or trailer line
    private var trailerBytes = 0
    private var trailerFields = 0
    private var trailerNameDone = false
    private var trailerLineHasColon = false

    /// Consumes bytes from `input`, appending decoded data to `body`. Returns how many bytes were
    /// consumed and whether the body is complete; bytes after the end are left unconsumed
    /// (they belong to the next pipelined request).
    mutating func decode(_ input: UnsafeRawBufferPointer, into body: inout [UInt8], limits: HTTPLimits)
        -> (consumed: Int, outcome: Outcome) {
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch state {
            case .size(let value, let digits):
                if let digit = hexValue(byte) {
                    // 1*HEXDIG digit by digit with an overflow check: `UInt64("+a", radix: 16)` would
                    // accept a sign (PITFALLS.md).
                    guard value <= (Int.max >> 4) else { return (index, .failure(.badRequest("chunk size overflows"))) }
                    state = .size(value: value << 4 | digit, digits: digits + 1)
                } else if digits == 0 {
                    return (index, .failure(.badRequest("malformed chunk size")))
                } else if byte == 0x3B {
                    state = .sizeExtension(value: value)
                } else if byte == 0x20 || byte == 0x09 {
                    state = .sizeWhitespace(value: value)
                } else if byte == 0x0D {
                    state = .sizeLF(value: value)
                } else {
                    return (index, .failure(.badRequest("malformed chunk size")))
                }
                if let failure = countLineByte(limits) { return (index, failure) }
            case .sizeWhitespace(let value):
                if byte == 0x3B {
                    state = .sizeExtension(value: value)
                } else if byte != 0x20 && byte != 0x09 {
                    return (index, .failure(.badRequest("malformed chunk extension")))
                }
                if let failure = countLineByte(limits) { return (index, failure) }
            case .sizeExtension(let value):
                // Extensions are ignored (RFC 9112 §7.1.1) but must not hide controls or a bare LF.
                if byte == 0x0D {
                    state = .sizeLF(value: value)
                } else if byte < 0x20 && byte != 0x09 || byte == 0x7F {
                    return (index, .failure(.badRequest("invalid byte in chunk extension")))
                }
                if let failure = countLineByte(limits) { return (index, failure) }
            case .sizeLF(let value):
                guard byte == 0x0A else { return (index, .failure(.badRequest("chunk size line without LF"))) }
                lineBytes = 0
                if value == 0 {
                    state = .trailerLineStart
                } else {
                    guard value <= limits.bodyBytesMax - body.count else { return (index, .failure(.bodyTooLarge)) }
                    state = .data(remaining: value)
                }
            case .data(let remaining):
                let take = min(remaining, input.count - index)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[index..<(index + take)]))
                index += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
                continue
            case .dataCR:
                guard byte == 0x0D else { return (index, .failure(.badRequest("chunk data longer than its size"))) }
                state = .dataLF
            case .dataLF:
                guard byte == 0x0A else { return (index, .failure(.badRequest("chunk data without CRLF"))) }
                state = .size(value: 0, digits: 0)
            case .trailerLineStart:
                if byte == 0x0D {
                    state = .trailerLF(endsSection: true)
                } else {
                    trailerFields += 1
                    guard trailerFields <= limits.headerFieldsMax else { return (index, .failure(.headersTooLarge)) }
                    guard RequestHeadParser.isTokenByte(byte) else {
                        return (index, .failure(.badRequest("malformed trailer field")))
                    }
                    trailerNameDone = false
                    trailerLineHasColon = false
                    state = .trailerLine
                }
                if let failure = countTrailerByte(limits) { return (index, failure) }
            case .trailerLine:
                // Trailer fields follow field syntax (RFC 9112 §7.1.2); their values are discarded.
                if byte == 0x0D {
                    guard trailerLineHasColon else { return (index, .failure(.badRequest("malformed trailer field"))) }
                    state = .trailerLF(endsSection: false)
                } else if !trailerNameDone {
                    if byte == 0x3A {
                        trailerNameDone = true
                        trailerLineHasColon = true
                    } else if !RequestHeadParser.isTokenByte(byte) {
                        return (index, .failure(.badRequest("malformed trailer field")))
                    }
                } else if byte < 0x20 && byte != 0x09 || byte == 0x7F {
                    return (index, .failure(.badRequest("invalid byte in trailer field")))
                }
                if let failure = countTrailerByte(limits) { return (index, failure) }
            case .trailerLF(let endsSection):
                guard byte == 0x0A else { return (index, .failure(.badRequest("trailer line without LF"))) }
                if endsSection { return (index + 1, .done) }
                state = .trailerLineStart
            }
            index += 1
        }
        return (index, .needMore)
    }

    private mutating func countLineByte(_ limits: HTTPLimits) -> Outcome? {
        lineBytes += 1
        return lineBytes > limits.chunkLineBytesMax ? .failure(.badRequest("chunk size line too long")) : nil
    }

    private mutating func countTrailerByte(_ limits: HTTPLimits) -> Outcome? {
        trailerBytes += 1
        return trailerBytes > limits.headerBytesMax ? .failure(.headersTooLarge) : nil
    }

    private func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }
}
