public import AsyncHTTPClient
public import Foundation
import JWTKit
public import Logging
import NIOCore
import NIOHTTP1

/// Access tokens for a service account (contract §7.2): an RS256 JWT-bearer assertion signed with
/// the key file's private key, exchanged at `token_uri`, cached and refreshed before expiry.
public final class ServiceAccountTokenProvider: AccessTokenProvider {
    public static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"
    /// Google's token endpoint, used when the key file names none.
    public static let googleTokenURL = URL(string: "https://oauth2.googleapis.com/token")!

    public let key: ServiceAccountKey
    public let scopes: [String]
    public let tokenURL: URL
    private let cache: TokenCache

    /// - Parameter tokenURL: overrides the key file's `token_uri`.
    /// - Throws: `CredentialsError.invalidPrivateKey` when the key cannot sign.
    public init(
        key: ServiceAccountKey,
        scopes: [String] = [ServiceAccountTokenProvider.cloudPlatformScope],
        tokenURL: URL? = nil,
        httpClient: HTTPClient = .shared,
        retryPolicy: RetryPolicy = .default,
        logger: Logger = Logger(label: "entitle.google.auth")
    ) throws(CredentialsError) {
        do { _ = try Insecure.RSA.PrivateKey(pem: key.private_key) } catch { throw .invalidPrivateKey("\(error)") }
        let url = tokenURL ?? key.token_uri.flatMap { URL(string: $0) } ?? Self.googleTokenURL
        self.key = key
        self.scopes = scopes
        self.tokenURL = url
        cache = TokenCache {
            try await TokenEndpointResponse.fetch(client: httpClient, policy: retryPolicy, logger: logger) {
                // A fresh assertion per attempt: its iat is the time it is sent.
                let assertion = try await Self.assertion(key: key, scopes: scopes, audience: url.absoluteString)
                let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"
                return try HTTPClient.Request(
                    url: url.absoluteString,
                    method: .POST,
                    headers: ["Content-Type": "application/x-www-form-urlencoded"],
                    body: .byteBuffer(ByteBuffer(string: form))
                )
            }
        }
    }

    public func accessToken() async throws -> String? {
        try await cache.token()
    }

    public func invalidate(_ token: String) async {
        await cache.invalidate(token)
    }

    /// Tokens fetched so far.
    public var tokensFetched: Int {
        get async { await cache.fetches }
    }

    /// The JWT-bearer assertion (contract §7.2): header `RS256` with `kid` = `private_key_id`;
    /// `iss` the client email, `scope` space-separated, `aud` the token endpoint, `iat` now and
    /// `exp` an hour later, as whole seconds (as Google's libraries write them).
    public static func assertion(
        key: ServiceAccountKey,
        scopes: [String],
        audience: String,
        now: Date = Date()
    ) async throws -> String {
        struct Claims: JWTPayload {
            var iss: String
            var scope: String
            var aud: String
            var iat: Int
            var exp: Int
            func verify(using algorithm: some JWTAlgorithm) throws {}
        }
        let issuedAt = Int(now.timeIntervalSince1970)
        let keys = JWTKeyCollection()
        let kid = key.private_key_id.map { JWKIdentifier(string: $0) }
        await keys.add(rsa: try Insecure.RSA.PrivateKey(pem: key.private_key), digestAlgorithm: .sha256, kid: kid)
        let claims = Claims(
            iss: key.client_email,
            scope: scopes.joined(separator: " "),
            aud: audience,
            iat: issuedAt,
            exp: issuedAt + 3600
        )
        return try await keys.sign(claims, kid: kid)
    }
}
