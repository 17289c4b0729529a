import Hummingbird
import MarketplaceCore
import NIOCore

/// Applies the fault plan to Google's APIs: added latency, then (by the plan's seeded chance) an
/// error in Google's shape instead of the call, or the call served and its answer replaced by a
/// 500. The control API is never faulted.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let state: EmulatorState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let api = Self.api(of: request.uri.path) else { return try await next(request, context) }
        let method = GoogleMethodName(httpMethod: request.method.rawValue, path: request.uri.path).method
        let decision = await state.faultDecision(for: api, method: method)
        if decision.latencyMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(decision.latencyMilliseconds))
        }
        if decision.loseResponse {
            _ = try await FaultContext.$answerWillBeLost.withValue(true) { try await next(request, context) }
            return try GoogleAPIError(code: 500, status: "INTERNAL", message: "Internal error (injected after the call was served).")
                .response(from: request, context: context)
        }
        guard let status = decision.status else { return try await next(request, context) }
        let error: GoogleAPIError =
            switch status {
            case 403:
                GoogleAPIError(code: 403, status: "PERMISSION_DENIED", message: "The caller does not have permission (injected by the emulator).")
            case 404: GoogleAPIError(code: 404, status: "NOT_FOUND", message: "Requested entity was not found (injected by the emulator).")
            case 429: GoogleAPIError(code: 429, status: "RESOURCE_EXHAUSTED", message: "Quota exceeded (injected by the emulator).")
            case 500: GoogleAPIError(code: 500, status: "INTERNAL", message: "Internal error (injected by the emulator).")
            default: GoogleAPIError(code: status, status: "UNAVAILABLE", message: "The service is currently unavailable (injected by the emulator).")
            }
        var response = try error.response(from: request, context: context)
        if let retryAfter = decision.retryAfterSeconds {
            response.headers[.retryAfter] = String(retryAfter)
        }
        return response
    }

    static func api(of path: String) -> FaultPlan.API? {
        if path.hasPrefix("/v1/providers/") { return .procurement }
        if path.hasPrefix("/v1/projects/") { return .pubsub }
        if path.hasPrefix("/v1/services/") { return .serviceControl }
        if path == "/token" || path.hasPrefix("/computeMetadata/") { return .oauth }
        return nil
    }
}
