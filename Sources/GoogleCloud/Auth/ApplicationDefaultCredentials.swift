public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// Finds credentials the way Google's libraries do (Application Default Credentials), in order:
/// 1. a key file named explicitly (Entitle's `google.credentials` setting);
/// 2. the key file at `GOOGLE_APPLICATION_CREDENTIALS`;
/// 3. gcloud's well-known file (`$CLOUDSDK_CONFIG` or `~/.config/gcloud`)
///    `application_default_credentials.json`, when it holds a service-account key (user
///    credentials cannot act as a Marketplace partner);
/// 4. the metadata server, when `GCE_METADATA_HOST` is set or `metadata.google.internal` answers
///    within a second (GCE, GKE, Cloud Run);
/// 5. none: the caller decides (Entitle starts sandbox mode against its emulator).
public enum ApplicationDefaultCredentials {
    public enum Source: Hashable, Sendable, CustomStringConvertible {
        case keyFile(String)
        case metadataServer(URL)

        public var description: String {
            switch self {
            case .keyFile(let path): "service-account key \(path)"
            case .metadataServer(let url): "metadata server \(url.absoluteString)"
            }
        }
    }

    /// - Throws: `CredentialsError` when a named or found key file cannot be used: a broken
    ///   setting is an error, never a silent fall-through to the next source.
    public static func find(
        keyFile: String? = nil,
        scopes: [String] = [ServiceAccountTokenProvider.cloudPlatformScope],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "entitle.google.auth")
    ) async throws -> (provider: any AccessTokenProvider, source: Source)? {
        let configDirectory =
            environment["CLOUDSDK_CONFIG"] ?? (environment["HOME"].map { "\($0)/.config/gcloud" } ?? "")
        let wellKnown = configDirectory.isEmpty ? nil : "\(configDirectory)/application_default_credentials.json"
        for (path, mustExist) in [(keyFile, true), (environment["GOOGLE_APPLICATION_CREDENTIALS"], true), (wellKnown, false)] {
            guard let path, !path.isEmpty else { continue }
            guard mustExist || FileManager.default.fileExists(atPath: path) else { continue }
            let key = try ServiceAccountKey.load(from: URL(fileURLWithPath: path))
            let provider = try ServiceAccountTokenProvider(key: key, scopes: scopes, httpClient: httpClient, logger: logger)
            return (provider, .keyFile(path))
        }
        let metadata = MetadataServerTokenProvider.defaultBaseURL(environment: environment)
        if await metadataServerAnswers(metadata, httpClient: httpClient) {
            let provider = MetadataServerTokenProvider(baseURL: metadata, scopes: scopes, httpClient: httpClient, logger: logger)
            return (provider, .metadataServer(metadata))
        }
        return nil
    }

    /// Whether a metadata server answers as one (with `Metadata-Flavor: Google`) within a second,
    /// asked for the project id as Google's libraries ask.
    static func metadataServerAnswers(_ base: URL, httpClient: HTTPClient) async -> Bool {
        var request = HTTPClientRequest(url: base.appendingPathComponent("computeMetadata/v1/project/project-id").absoluteString)
        request.headers.add(name: "Metadata-Flavor", value: "Google")
        guard let response = try? await httpClient.execute(request, timeout: .seconds(1)) else { return false }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        return response.headers.first(name: "Metadata-Flavor") == "Google"
    }
}
