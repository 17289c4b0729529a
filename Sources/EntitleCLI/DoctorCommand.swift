import ArgumentParser
import Entitle
import Foundation
import GoogleCloud

/// `entitle doctor`: checks the deployment `entitle serve` would run with the same settings
/// (credentials, token, Procurement for providerID, the subscription's topic and permission or
/// push settings, Service Control, sign-up audiences, the callback URL, the store, the clock).
/// Exit status 0 only when nothing fails.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check a deployment: one line per check, and what to do about each failure.",
        discussion:
            "Reads the settings `serve` reads (--config FILE and ENTITLE_* variables). Changes nothing: pulls no message, migrates no store."
    )

    @Option(help: "A JSON settings file.") var config: String?
    @Flag(help: "Print the checks as JSON.") var json = false

    struct Report: Encodable {
        var ok: Bool
        var checks: [DoctorCheck]
    }

    func run() async throws {
        let configuration = try EntitleConfiguration.load(
            file: config,
            environment: ProcessInfo.processInfo.environment
        )
        let endpoints: GoogleEndpoints
        var credentials: DeploymentDoctor.Credentials?
        var tried: [String] = []
        if let base = configuration.googleBaseURL {
            guard let url = URL(string: base.hasSuffix("/") ? base : base + "/") else {
                throw ValidationError("ENTITLE_GOOGLE_BASE_URL is not a URL")
            }
            endpoints = .emulator(at: url)
            let found = try await ApplicationDefaultCredentials.find(keyFile: configuration.googleCredentials)
            credentials =
                found.map { Self.describe($0.provider, $0.source) }
                ?? DeploymentDoctor.Credentials(
                    provider: NoTokenProvider(),
                    description: "none, for \(url) (ENTITLE_GOOGLE_BASE_URL)"
                )
        } else {
            endpoints = .google
            let search = try await ApplicationDefaultCredentials.search(
                keyFile: configuration.googleCredentials,
                metadataPatience: .seconds(5)
            )
            credentials = search.found.map { Self.describe($0.provider, $0.source) }
            tried = search.tried
        }
        let checks = await DeploymentDoctor(
            configuration: configuration,
            endpoints: endpoints,
            credentials: credentials,
            tried: tried
        ).run()
        let ok = !checks.contains { $0.status == .fail }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(Report(ok: ok, checks: checks)), as: UTF8.self))
        } else {
            for check in checks { print(check.line) }
            let failed = checks.filter { $0.status == .fail }.count
            print(ok ? "\nAll checks passed." : "\n\(failed) check\(failed == 1 ? "" : "s") failed.")
        }
        if !ok { throw ExitCode(1) }
    }

    static func describe(
        _ provider: any AccessTokenProvider,
        _ source: ApplicationDefaultCredentials.Source
    ) -> DeploymentDoctor.Credentials {
        let whose = (provider as? ServiceAccountTokenProvider).map { " for \($0.key.client_email)" } ?? ""
        return DeploymentDoctor.Credentials(provider: provider, description: "\(source)\(whose)")
    }
}
