@testable import LoadGeneration
import Testing

struct OperationStatsTests {
    @Test func outcomesCountErrorsAndKeepAtMostTheirBoundOfLabels() {
        var stats = OperationStats(operation: .quote)
        stats.record(outcome: "200", microseconds: 10)
        stats.record(outcome: "201", microseconds: 10)
        stats.record(outcome: "503", microseconds: 10)
        stats.record(outcome: "timeout", microseconds: 10)
        #expect(stats.count == 4)
        #expect(stats.errors == 2)
        for label in 0..<1000 { stats.record(outcome: "x\(label)", microseconds: 1) }
        #expect(stats.outcomes.count == OperationStats.outcomeLabelsMax)
        #expect(stats.count == 1004, "every sample is still counted")
    }

    @Test func aPointASecondUpToTheBound() {
        var stats = OperationStats(operation: .buy)
        stats.record(outcome: "201", microseconds: 300)
        stats.record(outcome: "422", microseconds: 100)
        stats.closeSecond(1)
        #expect(stats.points == [OperationStats.Point(second: 1, count: 2, errors: 1, p50Microseconds: 100, p90Microseconds: 300,
                                                      p99Microseconds: 300, p999Microseconds: 300, maxMicroseconds: 300)])
        stats.closeSecond(2)
        #expect(stats.points.last?.count == 0, "each second starts empty")
        for second in 3...(OperationStats.pointsMax + 10) { stats.closeSecond(second) }
        #expect(stats.points.count == OperationStats.pointsMax)
        #expect(OperationStats.pointsMax == 4260)
    }
}
