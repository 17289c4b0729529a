import Hummingbird
import MarketplaceCore
import NIOCore

/// Applies the fault plan to Google's APIs: added latency, then (by the plan's seeded chance) an
/// error in Google's shape instead of the call, or the call served and its answer replaced by a
/// 500; an answer may be held back after the call was served. The control API is never faulted.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let state: EmulatorState

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let name = GoogleMethodName(httpMethod: request.method.rawValue, path: request.uri.path)
        guard let api = Self.api(of: name, path: request.uri.path) else { return try await next(request, context) }
        let decision = await state.faultDecision(for: api, method: name.method)
        if decision.latencyMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(decision.latencyMilliseconds))
        }
        if decision.loseResponse {
            _ = try await FaultContext.$answerWillBeLost.withValue(true) { try await next(request, context) }
            return try GoogleAPIError(
                code: 500,
                status: "INTERNAL",
                message: "Internal error (injected after the call was served)."
            )
            .response(from: request, context: context)
        }
        guard let status = decision.status else {
            let response = try await next(request, context)
            if decision.answerLatencyMilliseconds > 0 {
                try await Task.sleep(for: .milliseconds(decision.answerLatencyMilliseconds))
            }
            return response
        }
        let error: GoogleAPIError =
            switch status {
            case 403:
                GoogleAPIError(
                    code: 403,
                    status: "PERMISSION_DENIED",
                    message: "The caller does not have permission (injected by the emulator)."
                )
            case 404:
                GoogleAPIError(
                    code: 404,
                    status: "NOT_FOUND",
                    message: "Requested entity was not found (injected by the emulator)."
                )
            case 429:
                GoogleAPIError(
                    code: 429,
                    status: "RESOURCE_EXHAUSTED",
                    message: "Quota exceeded (injected by the emulator)."
                )
            case 500:
                GoogleAPIError(code: 500, status: "INTERNAL", message: "Internal error (injected by the emulator).")
            default:
                GoogleAPIError(
                    code: status,
                    status: "UNAVAILABLE",
                    message: "The service is currently unavailable (injected by the emulator)."
                )
            }
        var response = try error.response(from: request, context: context)
        if let retryAfter = decision.retryAfterSeconds {
            response.headers[.retryAfter] = String(retryAfter)
        }
        return response
    }

    /// The rule's API for a call: the REST APIs as `GoogleMethodName` tells them apart, then the
    /// token endpoints (which have no REST shape).
    static func api(of name: GoogleMethodName, path: String) -> FaultPlan.API? {
        switch name.api {
        case "procurement": return .procurement
        case "pubsub": return .pubsub
        case "servicecontrol": return .serviceControl
        default: return path == "/token" || path.hasPrefix("/computeMetadata/") ? .oauth : nil
        }
    }
}
