public import AsyncHTTPClient
public import Foundation
import JWTKit
public import Logging
import NIOCore
import NIOHTTP1

/// Google's signing keys from one pinned `{kid: PEM certificate}` URL (contract §4.3), cached for
/// as long as `Cache-Control: max-age` says, fetched again when a token names a kid not in the
/// cache, but at most once per `unknownKeyRefreshInterval`, so forged kids cannot make us hammer
/// Google. Concurrent refreshes share one fetch.
public actor GoogleCertificateCache {
    public nonisolated let url: URL
    private let httpClient: HTTPClient
    private let unknownKeyRefreshInterval: Duration
    private let logger: Logger

    private var certificates: [String: String] = [:]
    private var keys = JWTKeyCollection()
    private var expires: ContinuousClock.Instant?
    private var lastFetch: ContinuousClock.Instant?
    private var fetching: Task<(certificates: [String: String], maxAge: Duration), any Error>?
    /// Fetches made so far; tests read it.
    public private(set) var fetches = 0

    public init(
        url: URL,
        httpClient: HTTPClient = .shared,
        unknownKeyRefreshInterval: Duration = .seconds(60),
        logger: Logger = Logger(label: "entitle.google.certificates")
    ) {
        self.url = url
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
        } else if certificates[kid] == nil, lastFetch.map({ now - $0 >= unknownKeyRefreshInterval }) ?? true {
            // Google rotates keys; a new kid may be published before our cache expires.
            await refresh()
        }
        guard !certificates.isEmpty else { throw .certificatesUnavailable(url.absoluteString) }
        guard certificates[kid] != nil else { throw .unknownKey(kid) }
        return keys
    }

    /// Fetches the map; on failure keeps the keys it had (stale keys beat refusing every buyer).
    private func refresh() async {
        let task: Task<(certificates: [String: String], maxAge: Duration), any Error>
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
            let (certificates, maxAge) = try await task.value
            let collection = JWTKeyCollection()
            for (kid, pem) in certificates {
                do {
                    await collection.add(
                        rsa: try Insecure.RSA.PublicKey(certificatePEM: pem),
                        digestAlgorithm: .sha256,
                        kid: JWKIdentifier(string: kid)
                    )
                } catch {
                    logger.warning("skipping a certificate that does not parse", metadata: ["kid": "\(kid)", "error": "\(error)"])
                }
            }
            self.certificates = certificates
            keys = collection
            expires = ContinuousClock.now + maxAge
        } catch {
            logger.error("cannot fetch Google's certificates", metadata: ["url": "\(url)", "error": "\(error)"])
            // Try again on the next token rather than on every one.
            expires = ContinuousClock.now + .seconds(10)
        }
    }

    private static func fetch(_ url: URL, _ client: HTTPClient) async throws -> (certificates: [String: String], maxAge: Duration) {
        let response = try await client.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1024 * 1024)
        guard response.status.code == 200 else { throw TokenVerificationError.certificatesUnavailable("\(url) answered \(response.status.code)") }
        let certificates = try JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView))
        return (certificates, maxAge(response.headers.first(name: "Cache-Control")))
    }

    /// `max-age` of a Cache-Control header; five minutes when absent.
    static func maxAge(_ header: String?) -> Duration {
        for directive in (header ?? "").split(separator: ",") {
            let parts = directive.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "max-age", let seconds = Int(parts[1]), seconds >= 0 { return .seconds(seconds) }
        }
        return .seconds(300)
    }
}
