import Hummingbird

/// The credential of a route group, checked once for all its routes: `Authorization: Bearer`
/// with the expected token (compared in constant time), else 401 with `WWW-Authenticate`. The
/// admin API's group uses it with the admin token, `/metrics` with the metrics token.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    /// What the 401 says is required ("an admin bearer token is required").
    let required: String

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard BearerToken.matches(request, token) else { throw BearerToken.required(required) }
        return try await next(request, context)
    }
}
