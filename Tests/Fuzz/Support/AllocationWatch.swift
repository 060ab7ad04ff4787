// Heap accounting for the fuzz targets (needs AddressSanitizer's allocator: not linked into the
// differential driver, which is built without sanitizers).

/// Heap bytes live right now, from AddressSanitizer's allocator.
@_silgen_name("__sanitizer_get_current_allocated_bytes")
func sanitizerAllocatedBytes() -> Int

/// Tracks the most heap held above a baseline while an input is processed, so a target can assert
/// "never more than the input times a factor" (the factor and constant are stated per target).
struct AllocationWatch {
    private let base = sanitizerAllocatedBytes()
    private(set) var peakAboveBase = 0

    mutating func sample() {
        peakAboveBase = max(peakAboveBase, sanitizerAllocatedBytes() - base)
    }

    func check(inputCount: Int, factor: Int, constant: Int, _ what: String) {
        fuzzCheck(peakAboveBase <= inputCount * factor + constant,
                  "\(what): held \(peakAboveBase) bytes for a \(inputCount)-byte input (bound \(factor)x + \(constant))")
    }
}
