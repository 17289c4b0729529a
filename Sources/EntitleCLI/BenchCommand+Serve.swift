import Foundation
import MarketplaceCore

#if canImport(Glibc)
import Glibc
#endif

extension BenchCommand {
    /// Starts `entitle serve` (this executable, as a vendor runs it) against `target` with
    /// `settings` on top of the Google ones; its output goes to `serve-NAME.log`.
    static func serve(
        _ target: BenchTarget,
        settings: [String: String],
        arguments: [String] = [],
        directory: URL,
        name: String
    ) throws -> Process {
        let google = [
            "ENTITLE_GOOGLE_BASE_URL": target.base.absoluteString, "ENTITLE_GOOGLE_CREDENTIALS": target.keyFile.path,
            "ENTITLE_PROVIDER_ID": target.provider, "ENTITLE_SIGNUP_AUDIENCES": "localhost", "ENTITLE_HTTP_PORT": "0",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        process.arguments = ["serve"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(google.merging(settings) { _, mine in mine })
        { _, bench in bench }
        let log = directory.appendingPathComponent("serve-\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// A loopback port free right now (bound, read, closed), for a child that must be reached
    /// at a known address (a push endpoint).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
