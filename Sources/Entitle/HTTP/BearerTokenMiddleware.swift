import Hummingbird

/// The credential of a route group, checked once for all its routes: `Authorization: Bearer`
/// with one of the expected tokens (two while one is rotated; each compared in constant time), else
/// 401 with `WWW-Authenticate`. Failures count against the client's address (`AuthThrottle`),
/// which is answered 429 once it has used them up. The admin API's group uses it with the admin
/// tokens, `/metrics` with the metrics token.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [String]
    /// What the 401 says is required ("an admin bearer token is required").
    let required: String
    /// The credential's name in logs and metrics (`admin`, `metrics`).
    let credential: String
    let throttle: AuthThrottle?

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let client = throttle?.client(request, context) ?? ""
        try throttle?.check(client, credential: credential)
        guard BearerToken.matches(request, any: tokens) else {
            throttle?.failed(client, credential: credential)
            throw BearerToken.required(required)
        }
        return try await next(request, context)
    }
}
