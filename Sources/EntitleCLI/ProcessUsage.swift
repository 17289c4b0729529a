import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and peak memory of this process and of child processes, for the benchmarks: from
/// `getrusage` for this process and from `/proc` (Linux) for a child still running, so a child
/// can be measured over part of its life, not only once it has exited.
enum ProcessUsage {
    /// User + system CPU seconds this process has used so far.
    static func selfCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// This process's peak resident set, in bytes.
    static func selfPeakRSS() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    /// User + system CPU seconds of a running process (`/proc/PID/stat`, fields 14 and 15); nil
    /// once it is gone.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        // The command name (field 2) may hold spaces: fields are counted after its ")".
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A running process's peak resident set in bytes (`VmHWM` in `/proc/PID/status`).
    static func peakRSS(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }.map { $0 * 1024 }
        }
        return nil
    }

    private static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
}

/// CPU seconds sampled over time, so the CPU used between two instants known only afterwards
/// (the first and last notification processed) can be read off by interpolation.
struct CPUTimeline: Sendable {
    struct Sample: Sendable {
        var at: Date
        /// Per measured party (e.g. the children together, this process).
        var seconds: [Double]
    }

    private(set) var samples: [Sample] = []

    mutating func record(_ seconds: [Double], at: Date = Date()) { samples.append(Sample(at: at, seconds: seconds)) }

    /// The CPU seconds at `date`, linearly between the samples around it.
    func seconds(at date: Date) -> [Double]? {
        guard let after = samples.firstIndex(where: { $0.at >= date }) else { return samples.last?.seconds }
        guard after > 0 else { return samples[after].seconds }
        let (a, b) = (samples[after - 1], samples[after])
        let span = b.at.timeIntervalSince(a.at)
        let fraction = span > 0 ? date.timeIntervalSince(a.at) / span : 1
        return zip(a.seconds, b.seconds).map { $0 + ($1 - $0) * fraction }
    }
}
