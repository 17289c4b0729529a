import Logging
public import ServiceLifecycle

/// Runs services for the length of `body`, then shuts them down gracefully and waits for them,
/// whether `body` returns or throws.
public enum ServiceScope {
    public static func run<Value: Sendable>(
        _ services: [any Service],
        label: String,
        _ body: @Sendable () async throws -> Value
    ) async throws -> Value {
        let group = ServiceGroup(configuration: .init(services: services, logger: Logger(label: label)))
        return try await withThrowingTaskGroup(of: Value?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            do {
                let value = try await body()
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return value
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}
