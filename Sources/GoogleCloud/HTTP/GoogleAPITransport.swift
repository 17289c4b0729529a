public import AsyncHTTPClient
public import Foundation
public import Logging
import MarketplaceCore
import NIOCore
public import NIOHTTP1

/// Sends JSON calls to a Google API: the bearer token from `credentials` (fetched again once after
/// a 401), retries under `retryPolicy` as each call's `RetrySafety` allows, Google's error body
/// turned into `GoogleAPIError`, and the answer decoded.
public struct GoogleAPITransport: Sendable {
    public let httpClient: HTTPClient
    public let credentials: any AccessTokenProvider
    public var retryPolicy: RetryPolicy
    /// Per attempt.
    public var requestTimeout: Duration
    public var logger: Logger
    /// Names the caller in Google's request logs (Entitle: its version and replica).
    public var userAgent: String
    /// Told of every attempt (metrics); nil: nobody.
    public var observer: GoogleCallObserver?
    /// Longest answer read; a longer one ends the call with `GoogleTransportError.responseTooLarge`
    /// (memory stays bounded whatever a server sends).
    public var maxResponseBytes: Int = RetryLoop.maxResponseBytes

    public init(
        httpClient: HTTPClient = .shared,
        credentials: any AccessTokenProvider,
        retryPolicy: RetryPolicy = .default,
        requestTimeout: Duration = .seconds(60),
        logger: Logger = Logger(label: "entitle.google"),
        userAgent: String = "entitle",
        observer: GoogleCallObserver? = nil
    ) {
        self.httpClient = httpClient
        self.credentials = credentials
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout
        self.logger = logger
        self.userAgent = userAgent
        self.observer = observer
    }

    /// One call. `body` is sent as JSON; an empty answer decodes as `{}`.
    /// - Throws: `GoogleAPIError` for an error answer, `GoogleTransportError` or the HTTP
    ///   client's error when no usable answer came.
    public func call<Response: Decodable>(
        _ method: HTTPMethod,
        _ url: URL,
        body: (some Encodable & Sendable)? = EmptyBody?.none,
        safety: RetrySafety,
        as type: Response.Type = Response.self
    ) async throws -> Response {
        let payload = try body.map { try JSONEncoder().encode($0) }
        var exchange = try await attempts(method, url, payload, safety: safety)
        if exchange.http.status == 401, let failed = exchange.token {
            // The token may have been revoked or expired early: one more try with a fresh one.
            await credentials.invalidate(failed)
            exchange = try await attempts(method, url, payload, safety: safety)
        }
        guard (200..<300).contains(exchange.http.status) else {
            throw GoogleAPIError(httpStatus: exchange.http.status, body: exchange.http.body)
        }
        let bytes = exchange.http.body.isEmpty ? Array("{}".utf8) : exchange.http.body
        do {
            return try JSONDecoder().decode(Response.self, from: Data(bytes))
        } catch {
            throw GoogleTransportError.undecodableResponse(
                status: exchange.http.status,
                body: String(decoding: bytes.prefix(512), as: UTF8.self),
                error: error
            )
        }
    }

    private func attempts(
        _ method: HTTPMethod,
        _ url: URL,
        _ payload: Data?,
        safety: RetrySafety
    ) async throws -> (http: HTTPExchange, token: String?) {
        var lastToken: String?
        let name = observer.map { _ in GoogleMethodName(httpMethod: method.rawValue, path: url.path) }
        var attempt = 0
        let http = try await RetryLoop.run(
            policy: retryPolicy,
            safety: safety,
            logger: logger,
            what: "\(method) \(url.path)"
        ) {
            var headers: HTTPHeaders = ["User-Agent": userAgent, "Accept": "application/json"]
            let token = try await credentials.accessToken()
            lastToken = token
            if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
            if payload != nil { headers.add(name: "Content-Type", value: "application/json") }
            let request = try HTTPClient.Request(
                url: url.absoluteString,
                method: method,
                headers: headers,
                body: payload.map { .byteBuffer(ByteBuffer(bytes: $0)) }
            )
            guard let observer, let name else {
                return try await RetryLoop.exchange(
                    httpClient,
                    request,
                    timeout: requestTimeout,
                    maxBytes: maxResponseBytes
                )
            }
            attempt += 1
            let started = ContinuousClock.now
            do {
                let exchange = try await RetryLoop.exchange(
                    httpClient,
                    request,
                    timeout: requestTimeout,
                    maxBytes: maxResponseBytes
                )
                observer(
                    GoogleCall(
                        api: name.api,
                        method: name.method,
                        status: exchange.status,
                        duration: ContinuousClock.now - started,
                        attempt: attempt
                    )
                )
                return exchange
            } catch {
                observer(
                    GoogleCall(
                        api: name.api,
                        method: name.method,
                        status: nil,
                        duration: ContinuousClock.now - started,
                        attempt: attempt
                    )
                )
                throw error
            }
        }
        return (http, lastToken)
    }
}

/// The body of a call that sends none.
public struct EmptyBody: Codable, Sendable {
    public init() {}
}
