import Foundation
public import Hummingbird
import NIOCore

/// `GET /openapi.json`: the contract of this server as configured (see `OpenAPIDocument`).
public struct OpenAPIController: Sendable {
    static let path = "/openapi.json"
    let body: ByteBuffer

    /// - Parameter routes: the router's routes ("METHOD /path"), this one included.
    public init(
        serverURL: String,
        routes: Set<String>,
        metricsTokenRequired: Bool,
        agentPath: String = OpenAPIDocument.agentRegistrationPath
    ) throws {
        body = ByteBuffer(
            bytes: try OpenAPIDocument.json(
                serverURL: serverURL,
                routes: routes,
                metricsTokenRequired: metricsTokenRequired,
                agentPath: agentPath
            )
        )
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get(RouterPath(Self.path)) { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: ResponseBody(byteBuffer: body)
            )
        }
    }

    /// A router's routes in the document's form: the APIs, not the admin console's pages (HTML
    /// for people, behind a session cookie; see `ConsoleController`).
    public static func routes<Context: RequestContext>(of router: Router<Context>) -> Set<String> {
        Set(allRoutes(of: router).filter { !$0.contains(" /admin") })
    }

    /// Every route, the console's included ("METHOD /path"), this one too.
    public static func allRoutes<Context: RequestContext>(of router: Router<Context>) -> Set<String> {
        Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" } + ["GET \(path)"])
    }
}
