import Hummingbird

/// Applies the time-driven changes that fell due (scheduled starts, cycle ends, purges…) before
/// every request, so any answer reflects the current time, whichever route gives it. Cheap: the
/// state scans only when its earliest due time has come.
struct DueChangesMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let state: EmulatorState

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        await state.applyDueChanges()
        return try await next(request, context)
    }
}
