import EntitleStore
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import MarketplaceCore
import NIOCore

/// What every answer of Entitle's server has in common: an `X-Request-Id` (Hummingbird's request
/// id, also in every log line about it), `X-Content-Type-Options: nosniff`, and never an empty
/// error. An unknown route is a JSON 404 (405 with `Allow` for a known path asked with another method); an error a handler did not turn into an answer is logged
/// with the request id and answered 500 with that id, as JSON for APIs and as a page for the
/// buyer-facing `/signup` routes. A store that cannot be reached (`StoreError.unavailable`) is 503
/// with `Retry-After`, the same two ways. Every 5xx is logged with its request id.
public struct EdgeMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestIDHeader: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    let logger: Logger
    let routes: RouteTable?

    public init(logger: Logger, routes: RouteTable? = nil) {
        self.logger = logger
        self.routes = routes
    }

    struct Problem: Encodable {
        var error: String
        var status: Int
        var requestId: String
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let id = context.id
        // The path is the client's own text: cut and escaped wherever it is logged or answered.
        let path = request.uri.path.bounded()
        var response: Response
        do {
            response = try await LogContext.with(["requestId": "\(id)"]) { try await next(request, context) }
            if response.status.code >= 500 {
                logger.error(
                    "answered \(response.status.code)",
                    metadata: ["requestId": "\(id)", "method": "\(request.method)", "path": "\(path)"]
                )
            }
        } catch let problem as APIProblem {
            // A route's own refusal: its status and message, as it said them.
            response = try problem.response(from: request, context: context)
            if problem.status.code >= 500 {
                logger.error(
                    "answered \(problem.status.code)",
                    metadata: ["requestId": "\(id)", "method": "\(request.method)", "path": "\(path)"]
                )
            }
        } catch StoreError.unavailable(let why) {
            // A store outage is the client's to retry, not a bug: 503 with a time to come back.
            logger.warning(
                "answered 503: store unavailable",
                metadata: ["requestId": "\(id)", "method": "\(request.method)", "path": "\(path)", "error": "\(why)"]
            )
            response = Self.problem(
                .serviceUnavailable,
                "Entitle cannot reach its store just now; try again shortly (request id \(id))",
                id: id,
                request: request
            )
            response.headers[.retryAfter] = "\(RetryAfter.storeOutage)"
        } catch let error as any HTTPResponseError
            where error.status == .notFound && !(routes?.methods(for: request.uri.path).isEmpty ?? true)
        {
            let allowed = (routes?.methods(for: request.uri.path) ?? []).sorted()
            response = Self.problem(
                .methodNotAllowed,
                "\(request.method) is not a method of \(path); it has \(allowed.joined(separator: ", "))",
                id: id,
                request: request
            )
            response.headers[.allow] = allowed.joined(separator: ", ")
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            let message =
                error.status == .notFound
                ? "no route \(request.method) \(path)" : "\(error.status.code) \(error.status.reasonPhrase)"
            response = Self.problem(error.status, message, id: id, request: request)
        } catch {
            logger.error(
                "request failed",
                metadata: [
                    "requestId": "\(id)", "method": "\(request.method)", "path": "\(path)",
                    "error": "\(error)",
                ]
            )
            response = Self.problem(
                .internalServerError,
                "Entitle could not answer this request (request id \(id))",
                id: id,
                request: request
            )
        }
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[Self.requestIDHeader] = id
        return response
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String, id: String, request: Request) -> Response {
        if request.uri.path.hasPrefix("/signup") {
            return SignupController.problem(
                status,
                status == .serviceUnavailable
                    ? "Please try again in a moment" : status.code >= 500 ? "Something went wrong" : "Page not found",
                "\(message). Reference: \(id)."
            )
        }
        return (try? JSONReply.make(Problem(error: message, status: status.code, requestId: id), status: status))
            ?? Response(
                status: status,
                body: ResponseBody(byteBuffer: ByteBuffer(string: "\(message) (request id \(id))\n"))
            )
    }
}
