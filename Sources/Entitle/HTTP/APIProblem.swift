import Hummingbird

/// The error of Entitle's JSON APIs, thrown by a route and turned into its answer once, at the
/// edge: `{"error": "what went wrong", "status": 404}`, the message for people and the HTTP status
/// for programs (some answers add fields: the records a usage batch was refused for, the request
/// id of a 500).
struct APIProblem: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    /// Extra headers of the answer (`WWW-Authenticate` on a 401).
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    private struct Body: Encodable {
        var error: String
        var status: Int
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONReply.make(Body(error: message, status: status.code), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    /// The answer itself, for routes that answer rather than throw.
    static func response(_ status: HTTPResponse.Status, _ message: String) throws -> Response {
        try JSONReply.make(Body(error: message, status: status.code), status: status)
    }
}
