import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Whether a call may be sent again after a failure whose outcome is unknown. Each client method
/// says which it is, next to the call.
public enum RetrySafety: Sendable {
    /// Reads, acks and ack-deadline changes: repeating them changes nothing.
    case idempotent
    /// Procurement actions (approve, reject, …): a repeat of one that already took effect is
    /// refused by the resource's state (`FAILED_PRECONDITION`) and changes nothing, so they are
    /// retried like reads; the caller re-reads the resource on that refusal (contract §1.4).
    case guardedByState
    /// Service Control `report`: sent again only when the server said it did not process the request
    /// (429, 503) or the connection never opened. Any other failure ends as
    /// `GoogleTransportError.outcomeUnknown`, for the caller's ledger to resolve with the same
    /// operation ids (contract §5.3).
    case onlyIfNotProcessed

    func retries(status: Int) -> Bool {
        switch self {
        case .idempotent, .guardedByState: RetryPolicy.transientStatuses.contains(status)
        case .onlyIfNotProcessed: status == 429 || status == 503
        }
    }

    func retries(transportError error: any Error) -> Bool {
        switch self {
        case .idempotent, .guardedByState: true
        case .onlyIfNotProcessed: Self.neverConnected(error)
        }
    }

    /// Failures that happen before a byte of the request could reach the server.
    static func neverConnected(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if error is NIOConnectionError { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        return false
    }
}

/// A call that did not end with an HTTP answer.
public enum GoogleTransportError: Error, CustomStringConvertible {
    /// A non-idempotent call failed after it may have reached the server.
    case outcomeUnknown(any Error)
    /// A 2xx answer whose body is not the expected JSON.
    case undecodableResponse(status: Int, body: String, error: any Error)
    /// An answer longer than the transport reads (`GoogleAPITransport.maxResponseBytes`); not
    /// retried, since Google would send the same again. The call may have taken effect.
    case responseTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .outcomeUnknown(let error): "the call may or may not have taken effect: \(error)"
        case .undecodableResponse(let status, let body, let error): "unexpected \(status) answer (\(error)): \(body)"
        case .responseTooLarge(let limit):
            "the answer was longer than the \(limit) bytes read; the call may or may not have taken effect"
        }
    }
}
