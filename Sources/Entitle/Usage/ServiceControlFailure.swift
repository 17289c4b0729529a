import GoogleCloud

/// What a failed Service Control call means for the operations it carried. Only a refusal of
/// their content rejects them; a refusal of Entitle itself (a key rotated away, a role removed)
/// blocks reporting until it passes, and anything Google may have taken is sent again.
enum ServiceControlFailure: Equatable {
    /// The request's content is refused (INVALID_ARGUMENT, OUT_OF_RANGE, too large): sending it
    /// again unchanged cannot help. The operations are rejected, visibly, for a re-run.
    case content
    /// Google refused Entitle, not the operations (UNAUTHENTICATED, PERMISSION_DENIED, or the
    /// service "not found or permission denied"): reporting is blocked and retried each pass.
    case access
    /// FAILED_PRECONDITION: the consumer is not in a state to be billed; often an entitlement
    /// that ended before Entitle learned of it. Re-read before believing it.
    case precondition
    /// Another refusal (4xx): not processed; the operations wait, with the error, for the next pass.
    case refused
    /// 429, 5xx, a connection failure or a timeout (already retried): Google may have taken it.
    case transient

    init(_ error: any Error) {
        guard let error = error as? GoogleAPIError else {
            self = .transient
            return
        }
        switch (error.httpStatus, error.status) {
        case (429, _), (500..., _): self = .transient
        case (401, _), (403, _), (404, _), (_, "UNAUTHENTICATED"), (_, "PERMISSION_DENIED"): self = .access
        case (_, "FAILED_PRECONDITION"): self = .precondition
        case (413, _), (_, "INVALID_ARGUMENT"), (_, "OUT_OF_RANGE"): self = .content
        case (400..<500, _): self = .refused
        default: self = .transient
        }
    }
}
