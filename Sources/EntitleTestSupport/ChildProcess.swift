public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A program of this package (the built `entitle`) run as a child process, its stdout and stderr
/// in one file, for tests where Entitle must be a separate process: killed, restarted, driven by
/// its command line.
public final class ChildProcess {
    public let process: Process
    public let outputFile: URL

    /// Starts `executable` with `arguments`; `environment` is the whole environment of the child
    /// (nothing is inherited, so a developer's `ENTITLE_*` cannot leak into a test).
    public init(_ executable: URL, arguments: [String], environment: [String: String], outputFile: URL) throws {
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let output = try FileHandle(forWritingTo: outputFile)
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { mine, _ in mine }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        self.outputFile = outputFile
        try process.run()
        try output.close()
    }

    /// A test that fails half-way leaves no process behind: the last reference going kills it.
    deinit {
        if process.isRunning { Self.signal(process.processIdentifier, SIGKILL) }
    }

    public var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }

    /// The first output line containing `text`, waiting up to `timeout`.
    public func line(containing text: String, timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.split(separator: "\n").first(where: { $0.contains(text) }) { return String(line) }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ChildProcessError(
            message: "no line with \"\(text)\" (running: \(process.isRunning)); output:\n\(output.suffix(4000))"
        )
    }

    /// SIGKILL: no chance to finish anything, as in a power cut or an OOM kill.
    public func kill() async throws {
        if process.isRunning { Self.signal(process.processIdentifier, SIGKILL) }
        try await waitForExit(timeout: .seconds(10))
    }

    /// SIGTERM (graceful shutdown), then SIGKILL after `grace`. Returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(15)) async throws -> Int32 {
        if process.isRunning { process.terminate() }
        do { try await waitForExit(timeout: grace) } catch { try await kill() }
        return process.terminationStatus
    }

    /// Waits for the child to end on its own; its exit status.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw ChildProcessError(message: "still running after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    private static func signal(_ pid: Int32, _ signal: Int32) {
        #if canImport(Glibc)
        _ = Glibc.kill(pid, signal)
        #else
        _ = Darwin.kill(pid, signal)
        #endif
    }

    /// Runs to completion (a CLI command): exit status and output.
    public static func run(
        _ executable: URL,
        arguments: [String],
        environment: [String: String] = [:],
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("entitle-cli-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: file) }
        let child = try ChildProcess(executable, arguments: arguments, environment: environment, outputFile: file)
        let status: Int32
        do { status = try await child.waitForExit(timeout: timeout) } catch {
            try await child.kill()
            throw error
        }
        return (status, child.output)
    }

    /// An executable product of this package, built beside the test bundle (`swift build` builds
    /// it; `swift test` does too, as it builds every target).
    public static func builtExecutable(_ name: String) throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [
            bundleDirectory.appendingPathComponent(name), Bundle.main.bundleURL.appendingPathComponent(name),
        ]
        // The package root, found from this file, as a last resort.
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        candidates.append(root.appendingPathComponent(".build/debug/\(name)"))
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            return found
        }
        throw ChildProcessError(message: "no built `\(name)` in \(candidates.map(\.path)); run `swift build` first")
    }
}

public struct ChildProcessError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
