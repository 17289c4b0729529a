import Foundation
public import Hummingbird
import NIOCore

/// An error as Google's JSON APIs answer it: `{"error":{"code","message","status"}}` with the
/// matching HTTP status (contract §3.4). Thrown anywhere in the emulator, rendered once here.
public struct GoogleAPIError: Error, Hashable, Sendable, HTTPResponseError {
    public var code: Int
    /// The `google.rpc.Code` name, e.g. `FAILED_PRECONDITION`.
    public var statusName: String
    public var message: String

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
    public static func alreadyExists(_ message: String) -> Self { .init(code: 409, status: "ALREADY_EXISTS", message: message) }
    public static func unauthenticated(_ message: String) -> Self { .init(code: 401, status: "UNAUTHENTICATED", message: message) }
    public static func permissionDenied(_ message: String) -> Self {
        .init(code: 403, status: "PERMISSION_DENIED", message: message)
    }
    public static func unimplemented(_ message: String) -> Self { .init(code: 501, status: "UNIMPLEMENTED", message: message) }

    public var status: HTTPResponse.Status { HTTPResponse.Status(code: code) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ["error": Body(code: code, message: message, status: statusName)]
        return try JSONResponse.make(body, status: status)
    }

    private struct Body: Encodable {
        var code: Int
        var message: String
        var status: String
    }
}

/// JSON responses written the way Google's APIs write them (no escaped slashes, UTF-8).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=UTF-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
