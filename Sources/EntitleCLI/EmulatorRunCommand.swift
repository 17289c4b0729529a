import ArgumentParser
import Foundation
import Logging
import MarketplaceCore
import MarketplaceEmulator
import OwnerOnlyFiles
import ServiceLifecycle
import UnixSignals

/// `entitle emulator [run]`: Google's side of the integration on loopback, for vendors testing their
/// own integration. Stops cleanly on SIGINT or SIGTERM.
struct EmulatorRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the Google Cloud Marketplace emulator (the default verb of `entitle emulator`)."
    )

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = EmulatorDefaults.port

    @Option(help: "Address to listen on. Keep it on loopback unless you mean to share it.")
    var host = "127.0.0.1"

    @Option(help: "A catalog JSON file (products, plans, metrics). Without it, the built-in catalog.")
    var catalog: String?

    @Option(help: "The provider id the emulator answers for.")
    var provider = EmulatorDefaults.provider.rawValue

    @Flag(help: "Let entitlements be approved before the account's signup approval (contract §11).")
    var allowApprovalBeforeSignup = false

    @Flag(help: "Accept calls to Google's APIs without an access token.")
    var noAuth = false

    @Option(
        help: ArgumentHelp(
            "Write a service-account key file whose token_uri is this emulator.",
            discussion: "An existing file from an earlier run is reused, so the credentials stay valid.",
            valueName: "file"
        )
    )
    var printCredentials: String?

    @Option(
        help: ArgumentHelp(
            "A fault plan JSON file (error rates, latency, duplicates, holds, lost acks).",
            valueName: "file"
        )
    )
    var faults: String?

    @Option(help: ArgumentHelp("Keep the emulator's state in this file across restarts.", valueName: "file"))
    var state: String?

    @Option(help: "Lifetime of issued access tokens, in seconds.")
    var tokenLifetime = 3600

    @Option(help: "The aud of sign-up tokens: your product's domain.")
    var signupAudience = "localhost"

    @Option(help: "Your sign-up page, where buyers are sent with x-gcp-marketplace-token.")
    var signupURL = "http://127.0.0.1:8080/signup"

    @Option(
        name: .customLong("pubsub-emulator-host"),
        help: ArgumentHelp(
            "Also publish Marketplace notifications to this Pub/Sub (Google's emulator), over its REST API, for gRPC clients.",
            valueName: "host:port"
        )
    )
    var pubSubEmulatorHost: String?

    func run() async throws {
        var options = EmulatorOptions()
        options.host = host
        options.port = port
        do {
            options.provider = try ProviderID(provider)
        } catch {
            throw ValidationError("--provider: \(error)")
        }
        options.topic = "projects/cloudcommerceproc-prod/topics/\(provider)"
        options.requireSignupBeforeApproval = !allowApprovalBeforeSignup
        if let catalog {
            options.catalog = try Catalog.load(from: URL(fileURLWithPath: catalog))
        }
        if let faults {
            do {
                options.faults = try JSONDecoder().decode(
                    FaultPlan.self,
                    from: Data(contentsOf: URL(fileURLWithPath: faults))
                )
            } catch {
                throw ValidationError("--faults: cannot read \(faults): \(error)")
            }
        }
        options.stateFile = state
        options.requireAuth = !noAuth
        options.accessTokenLifetime = tokenLifetime
        options.signupAudience = signupAudience
        options.signupURL = signupURL
        if let host = pubSubEmulatorHost {
            guard URL(string: "http://\(host)/")?.port != nil else {
                throw ValidationError("--pubsub-emulator-host: expected host:port, got \(host)")
            }
            options.externalPubSubHost = host
        }
        if let printCredentials, let existing = FileManager.default.contents(atPath: printCredentials) {
            do {
                options.serviceAccountKey = try JSONDecoder().decode(ServiceAccountKeyFile.self, from: existing)
            } catch {
                throw ValidationError(
                    "--print-credentials: \(printCredentials) exists but is not a service-account key file: \(error)"
                )
            }
        }
        let emulator = try MarketplaceEmulator(options: options)
        let logger = Logger(label: "entitle.emulator")
        let group = ServiceGroup(
            configuration: .init(services: [emulator], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let base = await emulator.baseURL()
            if let printCredentials {
                try OwnerOnlyFile.write(try await emulator.serviceAccountKeyFile().json(), to: printCredentials)
            }
            // Written unbuffered: a supervisor capturing output through a pipe sees it at once.
            let banner = """
                Marketplace emulator listening on \(base)
                  provider \(options.provider), notifications on topic \(options.topic)
                  Procurement API: \(base)v1/providers/\(options.provider)/entitlements
                  buyer simulator API: \(base)emulator/v1/purchases, state: \(base)emulator/v1/state
                  auth: \(noAuth ? "off (--no-auth)" : "bearer tokens from \(base)token")\(printCredentials.map { ", credentials in \($0)" } ?? "")\(pubSubEmulatorHost.map { "\n  notifications also published to the Pub/Sub at \($0) (topic \(options.topic))" } ?? "")

                """
            FileHandle.standardOutput.write(Data(banner.utf8))
            try await tasks.waitForAll()
        }
    }
}
