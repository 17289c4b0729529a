public import AsyncHTTPClient
public import Foundation
import JWTKit
public import Logging
import NIOCore
import NIOHTTP1

/// Google's signing keys from one pinned URL, a `{kid: PEM certificate}` map (contract §4.3) or a
/// JWK set (Identity-Aware Proxy's ES256 keys), cached for
/// as long as `Cache-Control: max-age` says, fetched again when a token names a kid not in the
/// cache, but at most once per `unknownKeyRefreshInterval`, so forged kids cannot make us hammer
/// Google. Concurrent refreshes share one fetch.
public actor GoogleCertificateCache {
    /// How the URL publishes its keys.
    public enum Format: Sendable {
        /// `{kid: PEM certificate}` of RSA keys (OAuth2, the Marketplace sign-up signer).
        case x509
        /// `{"keys": [JWK…]}` (IAP's `public_key-jwk`).
        case jwks
    }

    public nonisolated let url: URL
    private let format: Format
    private let httpClient: HTTPClient
    private let unknownKeyRefreshInterval: Duration
    private let logger: Logger

    /// The kids the last fetch published.
    private var certificates: Set<String> = []
    private var keys = JWTKeyCollection()
    private var expires: ContinuousClock.Instant?
    private var lastFetch: ContinuousClock.Instant?
    private var fetching: Task<(body: Data, maxAge: Duration), any Error>?
    /// Fetches made so far; tests read it.
    public private(set) var fetches = 0

    public init(
        url: URL,
        format: Format = .x509,
        httpClient: HTTPClient = .shared,
        unknownKeyRefreshInterval: Duration = .seconds(60),
        logger: Logger = Logger(label: "entitle.google.certificates")
    ) {
        self.url = url
        self.format = format
        self.httpClient = httpClient
        self.unknownKeyRefreshInterval = unknownKeyRefreshInterval
        self.logger = logger
    }

    /// The key collection holding `kid`.
    /// - Throws: `TokenVerificationError.unknownKey` when `kid` is not among Google's keys even
    ///   after a refresh (or a refresh was made too recently), `.certificatesUnavailable` when
    ///   no keys could be fetched at all.
    func keys(holding kid: String) async throws(TokenVerificationError) -> JWTKeyCollection {
        let now = ContinuousClock.now
        if expires.map({ now >= $0 }) ?? true {
            await refresh()
        } else if !certificates.contains(kid), lastFetch.map({ now - $0 >= unknownKeyRefreshInterval }) ?? true {
            // Google rotates keys; a new kid may be published before our cache expires.
            await refresh()
        }
        guard !certificates.isEmpty else { throw .certificatesUnavailable(url.absoluteString) }
        guard certificates.contains(kid) else { throw .unknownKey(kid) }
        return keys
    }

    /// Fetches the map; on failure keeps the keys it had (stale keys beat refusing every buyer).
    private func refresh() async {
        let task: Task<(body: Data, maxAge: Duration), any Error>
        if let fetching {
            task = fetching
        } else {
            task = Task { [url, httpClient] in try await Self.fetch(url, httpClient) }
            fetching = task
            fetches += 1
        }
        defer { fetching = nil }
        lastFetch = ContinuousClock.now
        do {
            let (body, maxAge) = try await task.value
            let collection = JWTKeyCollection()
            var kids: Set<String> = []
            switch format {
            case .x509:
                for (kid, pem) in try JSONDecoder().decode([String: String].self, from: body) {
                    do {
                        await collection.add(
                            rsa: try Insecure.RSA.PublicKey(certificatePEM: pem),
                            digestAlgorithm: .sha256,
                            kid: JWKIdentifier(string: kid)
                        )
                        kids.insert(kid)
                    } catch {
                        logger.warning(
                            "skipping a certificate that does not parse",
                            metadata: ["kid": "\(kid)", "error": "\(error)"]
                        )
                    }
                }
            case .jwks:
                let set = try JSONDecoder().decode(JWKS.self, from: body)
                try await collection.add(jwks: set)
                kids = Set(set.keys.compactMap { $0.keyIdentifier?.string })
            }
            self.certificates = kids
            keys = collection
            expires = ContinuousClock.now + maxAge
        } catch {
            logger.error("cannot fetch Google's certificates", metadata: ["url": "\(url)", "error": "\(error)"])
            // Try again on the next token rather than on every one.
            expires = ContinuousClock.now + .seconds(10)
        }
    }

    private static func fetch(_ url: URL, _ client: HTTPClient) async throws -> (body: Data, maxAge: Duration) {
        let response = try await client.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        guard response.status.code == 200 else {
            throw TokenVerificationError.certificatesUnavailable("\(url) answered \(response.status.code)")
        }
        return (Data(body.readableBytesView), maxAge(response.headers.first(name: "Cache-Control")))
    }

    /// `max-age` of a Cache-Control header; five minutes when absent.
    static func maxAge(_ header: String?) -> Duration {
        for directive in (header ?? "").split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "max-age", let seconds = Int(parts[1]), seconds >= 0 {
                return .seconds(seconds)
            }
        }
        return .seconds(300)
    }
}
