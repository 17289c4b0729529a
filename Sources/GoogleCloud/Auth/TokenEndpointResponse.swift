import AsyncHTTPClient
import Foundation
import Logging

/// The token answer of Google's OAuth2 endpoint and of the metadata server (contract §7.2, §7.3),
/// fetched with retries on transient failures; a refusal becomes `CredentialsError.tokenRefused`.
struct TokenEndpointResponse: Decodable {
    var access_token: String
    var expires_in: Int?
    var token_type: String?

    private struct Refusal: Decodable {
        var error: String
        var error_description: String?
    }

    static func fetch(
        client: HTTPClient,
        policy: RetryPolicy,
        logger: Logger,
        makeRequest: () async throws -> HTTPClient.Request
    ) async throws -> TokenCache.Fetched {
        let exchange = try await RetryLoop.run(
            policy: policy,
            safety: .idempotent,
            logger: logger,
            what: "access token"
        ) {
            try await RetryLoop.exchange(client, try await makeRequest(), timeout: .seconds(30))
        }
        let body = Data(exchange.body)
        guard (200..<300).contains(exchange.status) else {
            let refusal = try? JSONDecoder().decode(Refusal.self, from: body)
            throw CredentialsError.tokenRefused(
                status: exchange.status,
                error: refusal?.error ?? "http_\(exchange.status)",
                description: refusal?.error_description ?? String(decoding: body.prefix(300), as: UTF8.self)
            )
        }
        guard let token = try? JSONDecoder().decode(Self.self, from: body), !token.access_token.isEmpty else {
            throw CredentialsError.malformedTokenResponse(String(decoding: body.prefix(300), as: UTF8.self))
        }
        // Google says 3599; a missing lifetime is taken as Google's hour.
        return TokenCache.Fetched(token: token.access_token, expiresIn: .seconds(max(1, token.expires_in ?? 3600)))
    }
}
