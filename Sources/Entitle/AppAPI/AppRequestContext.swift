public import Hummingbird
public import MarketplaceCore
public import NIOCore

/// The request context of `/v1`: every route there runs for an app, the one whose key opened the
/// request (`AppKeyMiddleware` sets `app` and `access` before any route runs).
public struct AppRequestContext<Parent: RequestContext>: ChildRequestContext, RemoteAddressRequestContext {
    public typealias ParentContext = Parent
    public typealias Source = Never

    public var coreContext: CoreRequestContextStorage
    /// The app whose key the request carries.
    public var app = ""
    /// What that app's key may do.
    public var access = AppAccess(keys: [], permissions: [])
    public let remoteAddress: SocketAddress?

    public init(context: Parent) throws {
        coreContext = context.coreContext
        remoteAddress = (context as? any RemoteAddressRequestContext)?.remoteAddress
    }

    /// Nothing, or 403 when the app's key lacks `permission`.
    public func require(_ permission: AppAccess.Permission) throws {
        guard access.allows(permission) else {
            throw APIProblem(.forbidden, "the key of app \(app) lacks the permission \(permission.rawValue)")
        }
    }

    /// Nothing, or 403 when the entitlement's product is not one the app's key may read or bill.
    public func require(_ entitlement: LocalEntitlement) throws {
        guard access.covers(entitlement.resource) else {
            throw APIProblem(
                .forbidden,
                "entitlement \(entitlement.id.rawValue) is of a product the key of app \(app) may not use"
            )
        }
    }
}

/// The credential of `/v1`, checked once for all its routes: an app's key (`usageAPIKeys`), else
/// 401 in the one error shape with `WWW-Authenticate: Bearer`. Each route then says which
/// permission it needs (`require`), 403 without it.
struct AppKeyMiddleware<Parent: RequestContext>: RouterMiddleware {
    let keys: AppKeys
    var throttle: AuthThrottle?

    func handle(
        _ request: Request,
        context: AppRequestContext<Parent>,
        next: (Request, AppRequestContext<Parent>) async throws -> Response
    ) async throws -> Response {
        let client = throttle?.client(request, context) ?? ""
        try throttle?.check(client, credential: "app")
        guard let app = keys.app(for: request) else {
            throttle?.failed(client, credential: "app")
            throw AppKeys.required()
        }
        var context = context
        context.app = app.name
        context.access = app.access
        return try await next(request, context)
    }
}
