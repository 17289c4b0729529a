import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A small file system of a test's own (tmpfs), to fill: it needs root, as CI runs, and fails
/// saying so without it (never skipped quietly).
public struct SmallFileSystem: Sendable {
    public let path: String

    public static func mount(megabytes: Int) async throws -> SmallFileSystem {
        guard geteuid() == 0 else {
            throw ChildProcessError(message: "mounting a small file system (tmpfs) for a full-disk test needs root")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("entitle-full-\(UUID())").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try await ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
        )
        guard result.status == 0 else { throw ChildProcessError(message: "mount tmpfs: \(result.output)") }
        return SmallFileSystem(path: path)
    }

    /// Writes a file until the file system has no room left; its path.
    public func fill() throws -> String {
        let filler = path + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        defer { try? handle.close() }
        let chunk = Data(repeating: 0x5A, count: 64 * 1024)
        do { while true { try handle.write(contentsOf: chunk) } } catch {}
        // The last bytes a chunk did not fit.
        do { while true { try handle.write(contentsOf: Data(repeating: 0x5A, count: 512)) } } catch {}
        return filler
    }

    public func unmount() async {
        _ = try? await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["umount", "-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }
}
