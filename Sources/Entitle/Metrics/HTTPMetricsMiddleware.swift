public import Hummingbird

/// Counts and times every request by route (the pattern, `/api/admin/entitlements/{id}`, never
/// the path a client sent) and status. Hummingbird's own `MetricsMiddleware` records into the
/// process-wide metrics system under `hb.` names; this one records into the server's registry
/// under Prometheus names.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: EntitleMetrics

    public init(metrics: EntitleMetrics) {
        self.metrics = metrics
    }

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let method = request.method.rawValue
        do {
            let response = try await next(request, context)
            record(context.endpointPath ?? "NotFound", method, response.status.code, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(context.endpointPath ?? "NotFound", method, status, since: started)
            throw error
        }
    }

    private func record(_ route: String, _ method: String, _ status: Int, since started: ContinuousClock.Instant) {
        metrics.increment(
            EntitleMetrics.Name.httpRequests,
            [("route", route), ("method", method), ("code", String(status))]
        )
        metrics.record(
            EntitleMetrics.Name.httpRequestDuration,
            [("route", route), ("method", method)],
            ContinuousClock.now - started
        )
    }
}
