import Sockets
import Testing

/// The event-loop count as Go 1.25 sizes GOMAXPROCS, from the affinity mask and cgroup files given
/// as strings (issue 22, item 11). The real process is checked in `EventLoopCountProcessTests`.
@Suite struct AvailableCPUsTests {
    /// `(cpu.max contents, limit, why)`.
    static let v2: [(String, Double?, String)] = [
        ("max 100000\n", nil, "no limit"),
        ("max 100000", nil, "no limit, no newline"),
        ("50000 100000\n", 0.5, "docker --cpus=0.5"),
        ("200000 100000\n", 2, "two CPUs"),
        ("150000 100000\n", 1.5, "one and a half"),
        ("250000 50000\n", 5, "a short period"),
        ("", nil, "empty"),
        ("garbage\n", nil, "one word"),
        ("+5 100000", nil, "a sign is not a digit"),
        ("0 100000", nil, "a zero quota is no usable limit"),
        ("100000 0", nil, "a zero period"),
    ]

    @Test(arguments: v2)
    func cgroupV2CPUMax(_ text: String, _ limit: Double?, _ why: String) {
        #expect(AvailableCPUs.limit(cgroupV2CPUMax: text) == limit, "\(why)")
    }

    /// `(cfs_quota_us, cfs_period_us, limit, why)`.
    static let v1: [(String, String, Double?, String)] = [
        ("-1\n", "100000\n", nil, "no limit"),
        ("50000\n", "100000\n", 0.5, "docker --cpus=0.5 on cgroup v1 (this Docker engine)"),
        ("100000\n", "100000\n", 1, "one CPU"),
        ("300000\n", "100000\n", 3, "three CPUs"),
        ("", "100000\n", nil, "unreadable quota"),
        ("50000\n", "", nil, "unreadable period"),
    ]

    @Test(arguments: v1)
    func cgroupV1Quota(_ quota: String, _ period: String, _ limit: Double?, _ why: String) {
        #expect(AvailableCPUs.limit(cgroupV1Quota: quota, period: period) == limit, "\(why)")
    }

    /// `(CPUs in the affinity mask, cgroup limits, loops, why)`.
    static let counts: [(Int, [Double], Int, String)] = [
        (2, [], 2, "no limit: the mask"),
        (1, [], 1, "taskset -c 0"),
        (8, [0.5], 1, "cpus: 0.5 gives one loop (Go would say 2; see AvailableCPUs)"),
        (8, [1.5], 2, "1.5 rounds up"),
        (8, [2], 2, "a whole limit"),
        (2, [4], 2, "a limit above the mask: the mask"),
        (1, [3], 1, "pinned to one CPU inside a 3-CPU container"),
        (16, [6, 2.5], 3, "the tightest limit of the hierarchy"),
        (0, [], 1, "a mask that reads as empty: at least 1"),
        (4, [0.01], 1, "a tiny limit: at least 1"),
    ]

    @Test(arguments: counts)
    func loopsAreTheMaskLoweredToTheLimitRoundedUp(_ affinity: Int, _ limits: [Double], _ loops: Int, _ why: String) {
        #expect(AvailableCPUs.count(affinity: affinity, limits: limits) == loops, "\(why)")
    }

    @Test func theRunningProcessGetsAtLeastOneLoop() {
        #expect(AvailableCPUs.current() >= 1)
    }
}
