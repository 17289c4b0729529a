public import Logging

/// What every log line written while handling one thing carries: the request id of an HTTP
/// request, the eventId and subject of a notification, a callback's id. Kept in a task-local and
/// added by a swift-log metadata provider, so lines written deep inside (the Google client, the
/// store, a child task) carry it without each call passing it on.
public enum LogContext {
    @TaskLocal public static var metadata: Logger.Metadata = [:]

    /// Give this to `LoggingSystem.bootstrap` (the CLI does).
    public static let provider = Logger.MetadataProvider { metadata }

    /// Runs `body` with `extra` added to the context.
    public static func with<Value>(_ extra: Logger.Metadata, _ body: () async throws -> Value) async rethrows -> Value {
        try await $metadata.withValue(metadata.merging(extra) { $1 }, operation: body)
    }
}
