import ArgumentParser
import Foundation
import GoogleCloud

/// `entitle credentials`: what Entitle's Google credentials produce, for checking a setup by hand
/// (curl a Google API with the same token Entitle would send) and for interop tests.
struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Show what Entitle's Google credentials produce.",
        subcommands: [CredentialsTokenCommand.self, CredentialsAssertionCommand.self]
    )
}

/// Prints an access token from Application Default Credentials (or `--key`).
struct CredentialsTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print an access token, found the way `entitle serve` finds credentials.",
        discussion: """
            Order: --key, GOOGLE_APPLICATION_CREDENTIALS, gcloud's application_default_credentials.json \
            (service-account keys only), the metadata server. The key file's token_uri is used, so a key \
            from `entitle emulator --print-credentials` gets an emulator token.
            """
    )

    @Option(help: "A service-account key file.") var key: String?
    @Option(help: "OAuth scope (repeatable).") var scope: [String] = [ServiceAccountTokenProvider.cloudPlatformScope]

    func run() async throws {
        guard let found = try await ApplicationDefaultCredentials.find(keyFile: key, scopes: scope) else {
            throw ValidationError(
                "No Google credentials found (no --key, GOOGLE_APPLICATION_CREDENTIALS, gcloud file or metadata server)."
            )
        }
        FileHandle.standardError.write(Data("credentials: \(found.source)\n".utf8))
        print(try await found.provider.accessToken() ?? "")
    }
}

/// Prints the JWT-bearer assertion Entitle would send to the token endpoint.
struct CredentialsAssertionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assertion",
        abstract: "Print the signed JWT-bearer assertion for a service-account key (contract §7.2)."
    )

    @Option(help: "A service-account key file.") var key: String
    @Option(help: "The assertion's aud (default: the key file's token_uri).") var audience: String?
    @Option(help: "OAuth scope (repeatable).") var scope: [String] = [ServiceAccountTokenProvider.cloudPlatformScope]

    func run() async throws {
        let keyFile = try ServiceAccountKey.load(from: URL(fileURLWithPath: key))
        let audience = audience ?? keyFile.token_uri ?? ServiceAccountTokenProvider.googleTokenURL.absoluteString
        print(try await ServiceAccountTokenProvider.assertion(key: keyFile, scopes: scope, audience: audience))
    }
}
