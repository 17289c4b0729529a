import Hummingbird

/// With a state file (`--state`, the sandbox), every call that may change Google's state is
/// written to it before it is answered: a vendor's `entitle serve` killed just after "Google"
/// approved a sign-up must not come back with the sign-up pending while Entitle remembers it done.
/// Pulls, acks and deadline changes are left to the once-a-second save (a lost lease is a
/// redelivery, which Entitle expects anyway). Without a state file it is not installed at all.
struct DurableStateMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let state: EmulatorState
    let path: String
    let identity: EmulatorIdentity

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response = try await next(request, context)
        if ![.get, .head].contains(request.method), !Self.leaseOnly(request.uri.path) {
            try await state.save(to: path, keys: identity)
        }
        return response
    }

    static func leaseOnly(_ path: String) -> Bool {
        [":pull", ":acknowledge", ":modifyAckDeadline"].contains { path.hasSuffix($0) }
    }
}
