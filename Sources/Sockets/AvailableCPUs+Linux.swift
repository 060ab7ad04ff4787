#if canImport(Glibc)
import Glibc
#endif
import CSockets

extension AvailableCPUs {
    /// The loop count for this process now (see ``AvailableCPUs``).
    public static func current() -> Int {
        count(affinity: affinityCount() ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), limits: cgroupLimits())
    }

    /// CPUs in this process's affinity mask, or `nil` if the kernel would not say.
    static func affinityCount() -> Int? {
        let count = csockets_affinity_count()
        return count > 0 ? Int(count) : nil
    }

    /// Every CPU bandwidth limit on the way from this process's cgroup up to the root, v2 and v1.
    /// A container sees its own cgroup mounted at `/sys/fs/cgroup` (so the path in
    /// `/proc/self/cgroup` may not exist under it: the mount point itself is then read).
    static func cgroupLimits() -> [Double] {
        var limits: [Double] = []
        for line in (readFile("/proc/self/cgroup") ?? "").split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[2])
            if parts[0] == "0" && parts[1].isEmpty {
                for folder in folders("/sys/fs/cgroup", path) {
                    if let text = readFile(folder + "/cpu.max"), let limit = limit(cgroupV2CPUMax: text) { limits.append(limit) }
                }
            } else if parts[1].split(separator: ",").contains("cpu") {
                for mount in ["/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct,cpu"] {
                    for folder in folders(mount, path) {
                        if let quota = readFile(folder + "/cpu.cfs_quota_us"), let period = readFile(folder + "/cpu.cfs_period_us"),
                           let limit = limit(cgroupV1Quota: quota, period: period) { limits.append(limit) }
                    }
                }
            }
        }
        return limits
    }

    /// `mount + path` and each of its parents down to `mount`, deepest first.
    private static func folders(_ mount: String, _ path: String) -> [String] {
        var result: [String] = []
        var components = path.split(separator: "/").map(String.init)
        while !components.isEmpty {
            result.append(mount + "/" + components.joined(separator: "/"))
            components.removeLast()
        }
        return result + [mount]
    }

    /// A small file's text, or `nil` if absent or unreadable (a cgroup file is a few bytes).
    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
