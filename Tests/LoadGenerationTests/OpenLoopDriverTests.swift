import LoadGeneration
import Testing

/// The scheduler driven by made-up times: no clock, no sockets.
struct OpenLoopDriverTests {
    private let zero = ContinuousClock.now

    private func ms(_ value: Int) -> ContinuousClock.Instant { zero + .milliseconds(value) }

    @Test func usersTogetherSendOneRequestEveryOneOverTheRate() {
        // 4 users at 100 req/s: due every 10 ms in turn, each user every 40 ms.
        var driver = OpenLoopDriver(schedule: OpenLoopSchedule(start: zero, rate: 100, users: 4), end: ms(100))
        var due: [OpenLoopDriver.Due] = []
        var sent: [(Int, Int)] = []
        for now in 0...120 {
            due.removeAll()
            driver.takeDue(at: ms(now), into: &due)
            for request in due {
                #expect(request.dueTime == ms(now), "an idle user sends when due")
                sent.append((request.user, now))
                driver.finished(user: request.user)  // answered at once
            }
        }
        #expect(sent.map(\.0) == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1])
        #expect(sent.map(\.1) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
        #expect(driver.unsentCount == 0)
    }

    /// One user at 100 req/s; every answer takes 1 ms except that the server stalls for 1 s from 100 ms.
    /// Measured from the due time, the ~100 requests due during the stall all count the wait; measured
    /// from the send (a closed loop), only one sample would.
    @Test func aStalledServerInflatesTheLatencyOfEveryRequestDueDuringTheStall() {
        var driver = OpenLoopDriver(schedule: OpenLoopSchedule(start: zero, rate: 100, users: 1), end: ms(2000))
        var histogram = LatencyHistogram()
        var sendLatencies = LatencyHistogram()
        var overHundredMilliseconds = 0
        var outstanding: (answerAt: Int, due: ContinuousClock.Instant, sentAt: Int)?
        var due: [OpenLoopDriver.Due] = []
        for now in 0...3000 {
            if let request = outstanding, request.answerAt <= now {
                let microseconds = UInt64(((ms(now) - request.due) / .microseconds(1)).rounded())
                histogram.record(microseconds)
                if microseconds >= 100_000 { overHundredMilliseconds += 1 }
                sendLatencies.record(UInt64(now - request.sentAt) * 1000)
                outstanding = nil
                driver.finished(user: 0)
            }
            due.removeAll()
            driver.takeDue(at: ms(now), into: &due)
            for request in due {
                let stalled = now >= 100 && now < 1100
                outstanding = (stalled ? 1100 : now + 1, request.dueTime, now)
            }
        }
        #expect(histogram.count == 200, "every request due in 2 s is sent and counted")
        #expect(driver.unsentCount == 0)
        // Due at 100 + 10k ms, sent when the one before is answered at 1100 + k: 1000 - 9k ms late.
        #expect(overHundredMilliseconds >= 99, "\(overHundredMilliseconds)")
        #expect(histogram.value(atPerHundredThousand: 90_000) >= 800_000, "\(histogram.value(atPerHundredThousand: 90_000))")
        #expect(histogram.maximum == 1_000_000)
        // The closed-loop view of the same run (from each send): one slow sample, p99 of 1 ms (reported
        // as 1,003 µs, the top of the histogram's [1000, 1003] bucket).
        #expect(sendLatencies.value(atPerHundredThousand: 99_000) == 1003)
        #expect(sendLatencies.maximum == 1_000_000)
    }

    @Test func requestsStillDueWhenTheRunEndsAreCountedAsUnsent() {
        // The one answer never comes: the 9 later requests due before 100 ms are never sent.
        var driver = OpenLoopDriver(schedule: OpenLoopSchedule(start: zero, rate: 100, users: 1), end: ms(100))
        var due: [OpenLoopDriver.Due] = []
        for now in 0...200 { driver.takeDue(at: ms(now), into: &due) }
        #expect(due.count == 1)
        #expect(driver.busyCount == 1)
        #expect(driver.unsentCount == 9)
        #expect(driver.nextDueTime == nil)
    }

    @Test func dueCountsMatchTheDueTimes() {
        let schedule = OpenLoopSchedule(start: zero, rate: 3, users: 7)
        for user in 0..<7 {
            let count = schedule.dueCount(user: user, before: zero + .seconds(10))
            #expect(schedule.dueTime(user: user, sequence: count - 1) < zero + .seconds(10))
            #expect(schedule.dueTime(user: user, sequence: count) >= zero + .seconds(10))
        }
    }
}
