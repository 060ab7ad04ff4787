/// Latencies in whole microseconds, counted in fixed log-linear buckets (HdrHistogram's layout), so a
/// run of any length keeps the same few kilobytes per operation instead of every sample.
///
/// Values below ``exactBelowMicroseconds`` (256 µs) have a bucket each and are reported exactly. Above
/// that, each power of two is split into 128 equal buckets, so a reported value is the highest value of
/// its bucket: never below the true one, and at most 1/128 (0.78%) above it. Percentiles use the
/// nearest-rank definition (the smallest recorded value with at least p% of the samples at or below
/// it) and never exceed the exact ``maximum``.
public struct LatencyHistogram: Sendable, Equatable {
    /// Values below this have a bucket of their own.
    public static let exactBelowMicroseconds: UInt64 = 256
    /// Sub-buckets per power of two above the exact range.
    static let halfBucketCount: UInt64 = 128
    /// The largest value the buckets distinguish: 2^36 µs, about 19 hours (a run lasts at most
    /// ``LoadOptions/durationMax``). Larger values count in the last bucket; ``maximum`` stays exact.
    public static let valueMaxMicroseconds: UInt64 = 1 << 36 - 1
    /// Buckets in every histogram: 256 exact ones, then 128 for each of the 28 powers of two up to
    /// ``valueMaxMicroseconds`` (3,840 counts, 30 KiB).
    public static let bucketCount = bucketIndex(valueMaxMicroseconds) + 1

    private var counts: [UInt64]
    /// Samples recorded.
    public private(set) var count: UInt64 = 0
    /// The largest sample, exactly.
    public private(set) var maximum: UInt64 = 0
    /// The smallest sample, exactly (0 when empty).
    public private(set) var minimum: UInt64 = 0
    /// Samples above ``valueMaxMicroseconds``, counted in the last bucket.
    public private(set) var clampedCount: UInt64 = 0

    /// An empty histogram.
    public init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    /// Counts one sample of `microseconds`.
    public mutating func record(_ microseconds: UInt64) {
        var value = microseconds
        if value > Self.valueMaxMicroseconds {
            value = Self.valueMaxMicroseconds
            clampedCount += 1
        }
        counts[Self.bucketIndex(value)] += 1
        minimum = count == 0 ? microseconds : min(minimum, microseconds)
        count += 1
        maximum = max(maximum, microseconds)
    }

    /// Adds every sample of `other`.
    public mutating func merge(_ other: LatencyHistogram) {
        guard other.count > 0 else { return }
        for index in counts.indices { counts[index] += other.counts[index] }
        minimum = count == 0 ? other.minimum : min(minimum, other.minimum)
        count += other.count
        maximum = max(maximum, other.maximum)
        clampedCount += other.clampedCount
    }

    /// Forgets every sample (keeps the buckets' storage).
    public mutating func reset() {
        for index in counts.indices { counts[index] = 0 }
        count = 0
        maximum = 0
        minimum = 0
        clampedCount = 0
    }

    /// The value at percentile `perHundredThousand` / 1000 (`50_000` is p50, `99_900` is p99.9), by
    /// nearest rank, in integers so that a percentile is never a rounding away from its rank; 0 when empty.
    public func value(atPerHundredThousand perHundredThousand: UInt64) -> UInt64 {
        guard count > 0 else { return 0 }
        let clamped = min(perHundredThousand, 100_000)
        let product = count.multipliedFullWidth(by: clamped)
        let (quotient, remainder) = UInt64(100_000).dividingFullWidth(product)
        let rank = max(1, quotient + (remainder > 0 ? 1 : 0))
        var seen: UInt64 = 0
        for (index, bucketCount) in counts.enumerated() where bucketCount > 0 {
            seen += bucketCount
            if seen >= rank { return min(Self.highestValue(inBucket: index), maximum) }
        }
        return maximum
    }

    /// The bucket that counts `value` (at most ``valueMaxMicroseconds``).
    static func bucketIndex(_ value: UInt64) -> Int {
        if value < exactBelowMicroseconds { return Int(value) }
        // Bucket width 2^shift, where shift makes value >> shift fall in [128, 256).
        let shift = UInt64(63 - value.leadingZeroBitCount) - 7
        return Int(exactBelowMicroseconds + (shift - 1) * halfBucketCount + ((value >> shift) - halfBucketCount))
    }

    /// The largest value that `index` counts.
    static func highestValue(inBucket index: Int) -> UInt64 {
        let index = UInt64(index)
        if index < exactBelowMicroseconds { return index }
        let shift = (index - exactBelowMicroseconds) / halfBucketCount + 1
        let top = (index - exactBelowMicroseconds) % halfBucketCount + halfBucketCount
        return ((top + 1) << shift) - 1
    }
}
