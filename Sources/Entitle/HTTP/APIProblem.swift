import Hummingbird

/// The error body of Entitle's JSON APIs: `{"error": "what went wrong", "status": 404}`, the
/// message for people and the HTTP status for programs (some answers add fields: the records a
/// usage batch was refused for, the request id of a 500).
struct APIProblem: Encodable {
    var error: String
    var status: Int

    static func response(_ status: HTTPResponse.Status, _ message: String) throws -> Response {
        try JSONReply.make(APIProblem(error: message, status: status.code), status: status)
    }
}
