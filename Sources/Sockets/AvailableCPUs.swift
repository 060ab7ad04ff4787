/// How many CPUs this process can keep busy at once: the event-loop count when `EVENT_LOOPS` is
/// unset. Sized as Go 1.25 sizes the default GOMAXPROCS (golang/go#73193): the CPUs in the
/// affinity mask (`sched_getaffinity`, what `taskset` and `docker --cpuset-cpus` set), lowered to
/// the cgroup CPU bandwidth limit rounded up (`docker --cpus`, compose's `cpus:`), cgroup v2
/// `cpu.max` or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`.
///
/// One departure: Go never lets a cgroup limit take GOMAXPROCS below 2, so that its garbage
/// collector can run beside the program; an event loop has no collector to overlap, and two loops
/// on half a CPU only take turns, so here the floor is 1.
///
/// This file is the pure computation (tested with file contents as strings); reading the running
/// process's mask and files is in `AvailableCPUs+Linux.swift`.
public enum AvailableCPUs {
    /// The CPU limit a cgroup v2 `cpu.max` states (`"50000 100000"` is 0.5), or `nil` for none
    /// (`"max 100000"`) or an unreadable file.
    public static func limit(cgroupV2CPUMax text: String) -> Double? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count == 2, fields[0] != "max" else { return nil }
        return ratio(quota: fields[0], period: fields[1])
    }

    /// The CPU limit of cgroup v1's `cpu.cfs_quota_us` and `cpu.cfs_period_us`, or `nil` for none
    /// (a quota of `-1`) or unreadable files.
    public static func limit(cgroupV1Quota quota: String, period: String) -> Double? {
        let quota = quota.split(separator: "\n").first ?? ""
        let period = period.split(separator: "\n").first ?? ""
        guard quota != "-1" else { return nil }
        return ratio(quota: quota, period: period)
    }

    /// The loop count: the affinity mask's CPUs, lowered to the tightest limit rounded up; at least 1.
    public static func count(affinity: Int, limits: [Double]) -> Int {
        var count = max(1, affinity)
        if let tightest = limits.min() {
            // A limit of 2.5 CPUs can keep three threads busy part of the time: ceil, as Go does.
            let rounded = tightest.rounded(.up)
            if rounded < Double(count) { count = max(1, Int(rounded)) }
        }
        return count
    }

    private static func ratio(quota: Substring, period: Substring) -> Double? {
        guard let quota = Int64(digits: quota), let period = Int64(digits: period), quota > 0, period > 0 else { return nil }
        return Double(quota) / Double(period)
    }
}

private extension Int64 {
    /// Plain digits only (`Int64("+5")` is 5: a file we did not expect is no limit, not a number).
    init?(digits text: Substring) {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        self.init(text)
    }
}
