/// Decodes a streamed response's body as it arrives (``ClientBodyStream``): chunked, a length,
/// or up to the close, handing out each read's data at once rather than the whole body at the end.
struct StreamedBodyDecoder {
    enum Outcome: Equatable {
        case needMore
        /// The body is complete; bytes after it were not consumed.
        case done
        case failure
    }

    private let framing: BodyFraming
    private var chunked = ChunkedDecoder()
    private var remaining: Int
    private let limits: HTTPLimits

    init(framing: BodyFraming, limits: HTTPLimits) {
        self.framing = framing
        self.limits = limits
        if case .length(let length) = framing { remaining = length } else { remaining = 0 }
    }

    /// Whether the body ends with the connection (no length, not chunked).
    var endsAtClose: Bool { framing == .none }

    /// Appends the data in `bytes` to `data`; how many bytes were consumed and whether the body ended.
    mutating func decode(_ bytes: UnsafeRawBufferPointer, into data: inout [UInt8]) -> (consumed: Int, outcome: Outcome) {
        switch framing {
        case .none:
            data.append(contentsOf: bytes)
            return (bytes.count, .needMore)
        case .length:
            let take = min(remaining, bytes.count)
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
            remaining -= take
            return (take, remaining == 0 ? .done : .needMore)
        case .chunked:
            // The decoder bounds each chunk by `bodyBytesMax` against what `data` holds: one read's
            // worth here, so a stream may run for ever while no single chunk is unbounded.
            let (consumed, outcome) = chunked.decode(bytes, into: &data, limits: limits)
            switch outcome {
            case .needMore: return (consumed, .needMore)
            case .done: return (consumed, .done)
            case .failure: return (consumed, .failure)
            }
        }
    }
}
