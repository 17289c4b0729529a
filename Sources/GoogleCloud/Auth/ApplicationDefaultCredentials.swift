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
///    as one (GCE, GKE, Cloud Run), asked again for up to `metadataPatience` (a cold start's
///    metadata server can be slow);
/// 5. none: the caller decides, and `Search.tried` says where it looked and why each failed.
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

    /// What a search found, and each place it looked in before, with why it did not serve.
    public struct Search: Sendable {
        public var found: (provider: any AccessTokenProvider, source: Source)?
        public var tried: [String]
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
        try await search(
            keyFile: keyFile,
            scopes: scopes,
            environment: environment,
            httpClient: httpClient,
            logger: logger
        ).found
    }

    /// As `find`, keeping the reason each place did not serve.
    /// - Parameter metadataPatience: how long the metadata server is asked, one second at a time.
    public static func search(
        keyFile: String? = nil,
        scopes: [String] = [ServiceAccountTokenProvider.cloudPlatformScope],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        metadataPatience: Duration = .seconds(1),
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "entitle.google.auth")
    ) async throws -> Search {
        var tried: [String] = []
        let configDirectory =
            environment["CLOUDSDK_CONFIG"] ?? (environment["HOME"].map { "\($0)/.config/gcloud" } ?? "")
        let wellKnown = configDirectory.isEmpty ? nil : "\(configDirectory)/application_default_credentials.json"
        let places: [(name: String, path: String?, mustExist: Bool)] = [
            ("the googleCredentials setting", keyFile, true),
            ("GOOGLE_APPLICATION_CREDENTIALS", environment["GOOGLE_APPLICATION_CREDENTIALS"], true),
            ("gcloud's application_default_credentials.json", wellKnown, false),
        ]
        for place in places {
            guard let path = place.path, !path.isEmpty else {
                tried.append("\(place.name): not set")
                continue
            }
            guard place.mustExist || FileManager.default.fileExists(atPath: path) else {
                tried.append("\(place.name): no file at \(path)")
                continue
            }
            let key = try ServiceAccountKey.load(from: URL(fileURLWithPath: path))
            let provider = try ServiceAccountTokenProvider(
                key: key,
                scopes: scopes,
                httpClient: httpClient,
                logger: logger
            )
            return Search(found: (provider, .keyFile(path)), tried: tried)
        }
        let metadata = MetadataServerTokenProvider.defaultBaseURL(environment: environment)
        switch await probeMetadataServer(metadata, patience: metadataPatience, httpClient: httpClient) {
        case nil:
            let provider = MetadataServerTokenProvider(
                baseURL: metadata,
                scopes: scopes,
                httpClient: httpClient,
                logger: logger
            )
            return Search(found: (provider, .metadataServer(metadata)), tried: tried)
        case let why?:
            tried.append("the metadata server at \(metadata.absoluteString): \(why)")
            return Search(found: nil, tried: tried)
        }
    }

    /// nil when a metadata server answers as one (with `Metadata-Flavor: Google`), asked for the
    /// project id as Google's libraries ask; otherwise why not, after asking for `patience`.
    static func probeMetadataServer(_ base: URL, patience: Duration, httpClient: HTTPClient) async -> String? {
        let deadline = ContinuousClock.now + patience
        var attempts = 0
        var reason = "no answer"
        repeat {
            attempts += 1
            var request = HTTPClientRequest(
                url: base.appendingPathComponent("computeMetadata/v1/project/project-id").absoluteString
            )
            request.headers.add(name: "Metadata-Flavor", value: "Google")
            do {
                let response = try await httpClient.execute(request, timeout: .seconds(1))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if response.headers.first(name: "Metadata-Flavor") == "Google" { return nil }
                reason = "HTTP \(response.status.code) without Metadata-Flavor: Google (not a metadata server)"
            } catch {
                reason = "\(error)"
            }
            if ContinuousClock.now + .milliseconds(250) < deadline { try? await Task.sleep(for: .milliseconds(250)) }
        } while ContinuousClock.now < deadline
        return "\(reason) (\(attempts) attempt\(attempts == 1 ? "" : "s"))"
    }
}
