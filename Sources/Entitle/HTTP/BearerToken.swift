import Hummingbird

/// `Authorization: Bearer <token>`, read one way for every API: the admin token, the metrics
/// token, app keys and push tokens.
enum BearerToken {
    /// The token a request carries; nil without one.
    static func presented(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return nil }
        return String(header.dropFirst("Bearer ".count))
    }

    /// Whether the request carries one of `expected`, each compared in constant time (all of them,
    /// so the time taken does not say which one came close).
    static func matches(_ request: Request, any expected: [String]) -> Bool {
        guard let presented = presented(request) else { return false }
        return expected.map { SecretToken.equal(presented, $0) }.contains(true)
    }

    /// 401 with `WWW-Authenticate: Bearer` and the common error body, to throw.
    static func required(_ message: String) -> APIProblem {
        APIProblem(.unauthorized, message, headers: [.wwwAuthenticate: "Bearer"])
    }
}
