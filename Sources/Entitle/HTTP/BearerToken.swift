import Hummingbird

/// `Authorization: Bearer <token>`, read one way for every API: the admin token, the metrics
/// token, app keys and push tokens.
enum BearerToken {
    /// The token a request carries; nil without one.
    static func presented(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }

    /// Whether the request carries `expected`, compared in constant time.
    static func matches(_ request: Request, _ expected: String) -> Bool {
        presented(request).map { SecretToken.equal($0, expected) } ?? false
    }

    /// 401 with `WWW-Authenticate: Bearer` and the common error body, to throw.
    static func required(_ message: String) -> APIProblem {
        APIProblem(.unauthorized, message, headers: [.wwwAuthenticate: "Bearer"])
    }
}
