import ArgumentParser
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore
import MarketplaceEmulator
import OwnerOnlyFiles

/// Where a benchmark's Google is: the emulator started in the bench's own process, or one running
/// elsewhere (`entitle emulator --allow-approval-before-signup --print-credentials key.json`), so
/// the emulator's CPU can be kept off the machine or the process being measured.
struct BenchTarget: Sendable {
    var base: URL
    var topic: String
    var provider: String
    /// A service-account key file whose token_uri is this emulator.
    var keyFile: URL
    /// The emulator runs in the bench's process (its CPU is the bench's).
    var inProcess: Bool

    /// Accounts are new in every run: an emulator elsewhere outlives runs, and a known account
    /// has no ACCOUNT_ACTIVE to announce.
    static let run = UUID().uuidString.prefix(8).lowercased()

    func transport(_ logger: Logger) throws -> GoogleAPITransport {
        GoogleAPITransport(
            credentials: try ServiceAccountTokenProvider(
                key: try ServiceAccountKey.load(from: keyFile),
                logger: logger
            ),
            logger: logger
        )
    }

    /// The emulator's control API (no token).
    var control: EmulatorControlClient { EmulatorControlClient(baseURL: base) }

    /// A buyer's purchase on the simulator, for account `BENCH-<run>-<index>`.
    func purchase(_ index: Int) async throws -> EntitlementID {
        let purchase = try await control.buy(
            product: "example-messaging-service",
            plan: "basic",
            account: "BENCH-\(Self.run)-\(index)"
        )
        return try EntitlementID(purchase.entitlementId)
    }

    /// The emulator's count of calls to Google's APIs, by kind.
    func requests() async throws -> [String: Int] { try await control.requestCounts() }

    /// Starts the count over (only what Entitle asks of Google is counted, not the set-up).
    func resetRequests() async throws { try await control.resetRequestCounts() }
}

/// `--emulator URL --credentials FILE`: an emulator running elsewhere; default: one in this process.
struct BenchEmulatorLocation: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "An emulator already running, started with --allow-approval-before-signup; default: one in this process.",
            valueName: "url"
        )
    )
    var emulator: String?
    @Option(help: ArgumentHelp("With --emulator: the key file it wrote (--print-credentials).", valueName: "file"))
    var credentials: String?
    @Option(help: "With --emulator: its Marketplace topic.") var topic = EmulatorOptions().topic
    @Option(help: "With --emulator: the provider id it answers for.") var provider = EmulatorOptions().provider.rawValue

    func validate() throws {
        if emulator != nil, credentials == nil {
            throw ValidationError("--emulator needs --credentials (its --print-credentials file)")
        }
        if let emulator, URL(string: emulator)?.host == nil {
            throw ValidationError("--emulator \(emulator) is not a URL")
        }
    }
}

extension BenchCommand {
    /// Runs `body` against the emulator `location` names (or one started here) and a temporary
    /// folder, gone afterwards.
    static func withTarget(
        _ location: BenchEmulatorLocation,
        _ body: (BenchTarget, URL, Logger) async throws -> Void
    ) async throws {
        guard let url = location.emulator, let credentials = location.credentials else {
            try await withEmulator { emulator, options, directory, logger in
                let base = await emulator.baseURL()
                let keyFile = directory.appendingPathComponent("key.json")
                try OwnerOnlyFile.write(try emulator.serviceAccountKeyFile(base: base).json(), to: keyFile.path)
                let target = BenchTarget(
                    base: base,
                    topic: options.topic,
                    provider: options.provider.rawValue,
                    keyFile: keyFile,
                    inProcess: true
                )
                try await body(target, directory, logger)
            }
            return
        }
        let base = URL(string: url.hasSuffix("/") ? url : url + "/")!
        let keyFile = URL(fileURLWithPath: credentials)
        _ = try ServiceAccountKey.load(from: keyFile)
        try await withScratch { directory, logger in
            try await body(
                BenchTarget(
                    base: base,
                    topic: location.topic,
                    provider: location.provider,
                    keyFile: keyFile,
                    inProcess: false
                ),
                directory,
                logger
            )
        }
    }

    /// A temporary folder, gone afterwards, and the benchmarks' quiet logger.
    static func withScratch(_ body: (URL, Logger) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "entitle-bench-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var logger = Logger(label: "entitle.bench")
        logger.logLevel = .warning
        try await body(directory, logger)
    }
}
