import HTTPTypes
import Hummingbird
import NIOCore

/// The metadata server's manners, as google-auth checks them: every answer to a request that says
/// `Metadata-Flavor: Google` says it back (google-auth's detection pings the server's root and
/// believes only an answer carrying it), and the root answers 200 as the real one does.
struct MetadataFlavorMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let header = HTTPField.Name("Metadata-Flavor")!

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.headers[Self.header] == "Google" else { return try await next(request, context) }
        if request.uri.path == "/" || request.uri.path == "/computeMetadata/v1/"
            || request.uri.path == "/computeMetadata/v1"
        {
            return Response(
                status: .ok,
                headers: [Self.header: "Google", .contentType: "application/text"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(
                        string: request.uri.path == "/" ? "computeMetadata/\n" : "instance/\nproject/\n"
                    )
                )
            )
        }
        var response = try await next(request, context)
        response.headers[Self.header] = "Google"
        return response
    }
}
