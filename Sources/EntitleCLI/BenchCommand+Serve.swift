import Foundation
import MarketplaceCore
import MarketplaceEmulator

extension BenchCommand {
    /// Starts `entitle serve` (this executable, as a vendor runs it) against the in-process
    /// emulator with `settings` on top of the Google ones; its output goes to `serve-NAME.log`.
    static func serve(
        _ emulator: MarketplaceEmulator,
        base: URL,
        settings: [String: String],
        directory: URL,
        name: String
    ) throws -> Process {
        let keyFile = directory.appendingPathComponent("key.json")
        if !FileManager.default.fileExists(atPath: keyFile.path) { try emulator.serviceAccountKeyFile(base: base).json().write(to: keyFile) }
        let google = [
            "ENTITLE_GOOGLE_BASE_URL": base.absoluteString, "ENTITLE_GOOGLE_CREDENTIALS": keyFile.path,
            "ENTITLE_PROVIDER_ID": EmulatorOptions().provider.rawValue, "ENTITLE_SIGNUP_AUDIENCES": "localhost", "ENTITLE_HTTP_PORT": "0",
        ]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        process.arguments = ["serve"]
        process.environment = ProcessInfo.processInfo.environment.merging(google.merging(settings) { _, mine in mine }) { _, bench in bench }
        let log = directory.appendingPathComponent("serve-\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }
}
