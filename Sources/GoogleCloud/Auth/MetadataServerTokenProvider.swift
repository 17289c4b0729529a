public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// Access tokens from the metadata server of GCE, GKE (Workload Identity) and Cloud Run
/// (contract §7.3), cached and refreshed before expiry like a service account's.
public final class MetadataServerTokenProvider: AccessTokenProvider {
    /// `http://metadata.google.internal`, or `GCE_METADATA_HOST` (legacy `GCE_METADATA_ROOT`).
    public let baseURL: URL
    private let cache: TokenCache

    public init(
        baseURL: URL? = nil,
        scopes: [String] = [],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = .shared,
        retryPolicy: RetryPolicy = .default,
        logger: Logger = Logger(label: "entitle.google.auth")
    ) {
        let base = baseURL ?? Self.defaultBaseURL(environment: environment)
        self.baseURL = base
        var path = base.appendingPathComponent("computeMetadata/v1/instance/service-accounts/default/token")
            .absoluteString
        if !scopes.isEmpty { path += "?scopes=" + scopes.joined(separator: ",") }
        let url = path
        cache = TokenCache {
            try await TokenEndpointResponse.fetch(client: httpClient, policy: retryPolicy, logger: logger) {
                // contract §7.3: the metadata server refuses requests without it.
                try HTTPClient.Request(url: url, headers: ["Metadata-Flavor": "Google"])
            }
        }
    }

    static func defaultBaseURL(environment: [String: String]) -> URL {
        let host = environment["GCE_METADATA_HOST"] ?? environment["GCE_METADATA_ROOT"] ?? "metadata.google.internal"
        return URL(string: host.contains("://") ? host : "http://\(host)")!
    }

    public func accessToken() async throws -> String? {
        try await cache.token()
    }

    public func invalidate(_ token: String) async {
        await cache.invalidate(token)
    }
}
