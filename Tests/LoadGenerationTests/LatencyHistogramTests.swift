import LoadGeneration
import Testing

struct LatencyHistogramTests {
    private func percentiles(_ histogram: LatencyHistogram) -> [UInt64] {
        [50_000, 90_000, 99_000, 99_900, 100_000].map { histogram.value(atPerHundredThousand: $0) }
    }

    @Test func valuesBelowTheExactRangeGiveExactNearestRankPercentiles() {
        var histogram = LatencyHistogram()
        for value in (1...200).reversed() { histogram.record(UInt64(value)) }
        // Nearest rank over 200 samples: p50 is the 100th, p90 the 180th, p99 the 198th,
        // p99.9 the ceil(199.8) = 200th.
        #expect(percentiles(histogram) == [100, 180, 198, 200, 200])
        #expect(histogram.count == 200)
        #expect(histogram.minimum == 1)
        #expect(histogram.maximum == 200)
    }

    @Test func aThousandSamplesPutP999OnTheLastButOne() {
        var histogram = LatencyHistogram()
        for value in 0..<1000 { histogram.record(UInt64(value % 250)) }  // 0..249 four times each
        // Ranks 500, 900, 990, 999 of 0,0,0,0,1,1,1,1,...: values 124, 224, 247, 249.
        #expect(percentiles(histogram) == [124, 224, 247, 249, 249])
    }

    @Test func largerValuesReportTheTopOfTheirBucketWithinOnePart128() {
        var histogram = LatencyHistogram()
        // 1,000 µs falls in [1000, 1003] (width 4 between 512 and 1023); 40,000 in a bucket of 256.
        histogram.record(1000)
        histogram.record(40_000)
        histogram.record(40_000)
        #expect(histogram.value(atPerHundredThousand: 10_000) == 1003)
        #expect(histogram.value(atPerHundredThousand: 50_000) == 40_000)  // its bucket's top, capped at the exact max
        histogram.record(50_000)
        let p50 = histogram.value(atPerHundredThousand: 50_000)
        #expect(p50 >= 40_000 && p50 <= 40_000 + 40_000 / 128, "\(p50)")
        #expect(histogram.value(atPerHundredThousand: 100_000) == 50_000)
    }

    @Test func everyBucketTopIsInItsBucketAndTheNextStartsAfterIt() {
        for value: UInt64 in [0, 1, 255, 256, 257, 511, 512, 515, 516, 1023, 1024, 99_999, 1 << 30, LatencyHistogram.valueMaxMicroseconds] {
            var histogram = LatencyHistogram()
            histogram.record(value)
            histogram.record(LatencyHistogram.valueMaxMicroseconds)
            let reported = histogram.value(atPerHundredThousand: 50_000)
            #expect(reported >= value, "\(value) reported as \(reported)")
            #expect(Double(reported - value) <= Double(value) / 128, "\(value) reported as \(reported)")
        }
    }

    @Test func theBucketsAreBoundedAndHugeValuesClampWithAnExactMaximum() {
        #expect(LatencyHistogram.bucketCount == 3840)
        var histogram = LatencyHistogram()
        histogram.record(UInt64.max)
        #expect(histogram.clampedCount == 1)
        #expect(histogram.maximum == UInt64.max)
        #expect(histogram.value(atPerHundredThousand: 50_000) == LatencyHistogram.valueMaxMicroseconds)
    }

    @Test func emptyMergedAndResetHistograms() {
        var a = LatencyHistogram()
        #expect(a.value(atPerHundredThousand: 99_000) == 0)
        var b = LatencyHistogram()
        for value: UInt64 in [5, 7] { a.record(value) }
        for value: UInt64 in [3, 9] { b.record(value) }
        a.merge(b)
        #expect(percentiles(a) == [5, 9, 9, 9, 9])
        #expect(a.minimum == 3)
        a.reset()
        #expect(a == LatencyHistogram())
    }
}
