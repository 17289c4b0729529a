import Foundation
public import MarketplaceCore

/// An error answer from a Google API: the `google.rpc.Status` body `{"error": {code, message,
/// status, details}}` (contract §3.4), with the HTTP status it came with.
public struct GoogleAPIError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The HTTP status of the response.
    public var httpStatus: Int
    /// `error.code`; the HTTP status when the body did not say.
    public var code: Int
    /// `error.status`, e.g. `NOT_FOUND`, `FAILED_PRECONDITION`; derived from the HTTP status when absent.
    public var status: String
    public var message: String
    /// `error.details`, as sent (`@type` plus fields).
    public var details: [JSONValue]

    public init(httpStatus: Int, code: Int? = nil, status: String? = nil, message: String, details: [JSONValue] = []) {
        self.httpStatus = httpStatus
        self.code = code ?? httpStatus
        self.status = status ?? Self.statusName(forHTTP: httpStatus)
        self.message = message
        self.details = details
    }

    /// Reads Google's error body; a body that is not one (a proxy's HTML page, say) still gives a
    /// typed error with its first bytes as the message.
    public init(httpStatus: Int, body: [UInt8]) {
        struct Envelope: Decodable {
            struct Status: Decodable {
                var code: Int?
                var message: String?
                var status: String?
                var details: [JSONValue]?
            }
            var error: Status
        }
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body)) {
            self.init(
                httpStatus: httpStatus,
                code: envelope.error.code,
                status: envelope.error.status,
                message: envelope.error.message ?? "",
                details: envelope.error.details ?? []
            )
        } else {
            self.init(httpStatus: httpStatus, message: String(decoding: body.prefix(512), as: UTF8.self))
        }
    }

    public var isNotFound: Bool { httpStatus == 404 }
    /// A call made in the wrong state (contract §3.4), e.g. approving twice.
    public var isFailedPrecondition: Bool { status == "FAILED_PRECONDITION" }

    public var description: String { "\(httpStatus) \(status): \(message)" }

    /// The canonical code name Google pairs with an HTTP status.
    static func statusName(forHTTP status: Int) -> String {
        switch status {
        case 400: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 409: "ABORTED"
        case 429: "RESOURCE_EXHAUSTED"
        case 499: "CANCELLED"
        case 501: "UNIMPLEMENTED"
        case 503: "UNAVAILABLE"
        case 504: "DEADLINE_EXCEEDED"
        case 500..<600: "INTERNAL"
        default: "UNKNOWN"
        }
    }
}
