public import Hummingbird

/// The request context of `/v1`: every route there runs for an app, the one whose key opened the
/// request (`AppKeyMiddleware` sets `app` before any route runs).
public struct AppRequestContext<Parent: RequestContext>: ChildRequestContext {
    public typealias ParentContext = Parent
    public typealias Source = Never

    public var coreContext: CoreRequestContextStorage
    /// The app whose key the request carries.
    public var app = ""

    public init(context: Parent) throws {
        coreContext = context.coreContext
    }
}

/// The credential of `/v1`, checked once for all its routes: an app's key (`usageAPIKeys`), else
/// 401 in the one error shape with `WWW-Authenticate: Bearer`.
struct AppKeyMiddleware<Parent: RequestContext>: RouterMiddleware {
    let keys: AppKeys

    func handle(
        _ request: Request,
        context: AppRequestContext<Parent>,
        next: (Request, AppRequestContext<Parent>) async throws -> Response
    ) async throws -> Response {
        guard let app = keys.app(for: request) else { throw AppKeys.required() }
        var context = context
        context.app = app
        return try await next(request, context)
    }
}
