import Foundation
public import Hummingbird
public import MarketplaceCore
import NIOCore

/// An error as Google's JSON APIs answer it: `{"error":{"code","message","status"}}` with the
/// matching HTTP status (contract §3.4). Thrown anywhere in the emulator, rendered once here.
public struct GoogleAPIError: Error, Hashable, Sendable, HTTPResponseError {
    public var code: Int
    /// The `google.rpc.Code` name, e.g. `FAILED_PRECONDITION`.
    public var statusName: String
    public var message: String
    /// `google.rpc` details besides the `ErrorInfo` every answer gets (a `BadRequest`, say).
    public var details: [JSONValue] = []

    public init(code: Int, status: String, message: String) {
        self.code = code
        self.statusName = status
        self.message = message
    }

    public static func notFound(_ message: String) -> Self { .init(code: 404, status: "NOT_FOUND", message: message) }
    public static func invalidArgument(_ message: String) -> Self {
        .init(code: 400, status: "INVALID_ARGUMENT", message: message)
    }
    /// A call in the wrong state (contract §3.4: approve in the wrong state, wrong pendingPlanName).
    public static func failedPrecondition(_ message: String) -> Self {
        .init(code: 400, status: "FAILED_PRECONDITION", message: message)
    }
    public static func alreadyExists(_ message: String) -> Self {
        .init(code: 409, status: "ALREADY_EXISTS", message: message)
    }
    public static func unauthenticated(_ message: String) -> Self {
        .init(code: 401, status: "UNAUTHENTICATED", message: message)
    }
    public static func permissionDenied(_ message: String) -> Self {
        .init(code: 403, status: "PERMISSION_DENIED", message: message)
    }
    public static func unimplemented(_ message: String) -> Self {
        .init(code: 501, status: "UNIMPLEMENTED", message: message)
    }

    public var status: HTTPResponse.Status { HTTPResponse.Status(code: code) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let info: JSONValue = [
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": .string(reason),
            "domain": "googleapis.com",
            "metadata": ["service": .string(Self.service(of: request.uri.path))],
        ]
        let body = ["error": Body(code: code, message: message, status: statusName, details: details + [info])]
        return try JSONResponse.make(body, status: status)
    }

    /// ErrorInfo's reason, as Google's front end names the common ones.
    var reason: String {
        switch statusName {
        case "UNAUTHENTICATED": "ACCESS_TOKEN_EXPIRED"
        case "PERMISSION_DENIED": "IAM_PERMISSION_DENIED"
        case "RESOURCE_EXHAUSTED": "RATE_LIMIT_EXCEEDED"
        default: statusName
        }
    }

    /// The API a path belongs to, as ErrorInfo's `metadata.service` names it.
    static func service(of path: String) -> String {
        if path.hasPrefix("/v1/providers") { return "cloudcommerceprocurement.googleapis.com" }
        if path.hasPrefix("/v1/services") { return "servicecontrol.googleapis.com" }
        if path.hasPrefix("/v1/projects") { return "pubsub.googleapis.com" }
        return "oauth2.googleapis.com"
    }

    private struct Body: Encodable {
        var code: Int
        var message: String
        var status: String
        var details: [JSONValue]
    }
}

/// JSON responses written the way Google's APIs write them (no escaped slashes, UTF-8).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        if (200..<300).contains(status.code) { data = PartialResponse.apply(to: data) }
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
