/// Where a client's `Authorization: Bearer` token comes from: a service-account key, the metadata
/// server, or nowhere (an emulator with `--no-auth`, or `PUBSUB_EMULATOR_HOST`).
public protocol AccessTokenProvider: Sendable {
    /// A token valid now, or nil to send requests without one.
    func accessToken() async throws -> String?
    /// The server answered 401 to `token`: forget it, so that the next call fetches a fresh one.
    func invalidate(_ token: String) async
}

/// Requests go without a token.
public struct NoTokenProvider: AccessTokenProvider {
    public init() {}
    public func accessToken() async throws -> String? { nil }
    public func invalidate(_ token: String) async {}
}
