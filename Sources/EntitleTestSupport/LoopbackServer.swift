public import Foundation
public import Hummingbird
import Logging

/// Serves `router` on 127.0.0.1 with an ephemeral port for the length of `body`, handing it the
/// base URL (`http://127.0.0.1:PORT/`), then shuts down gracefully.
public enum LoopbackServer {
    public static func run<Value: Sendable>(
        _ router: Router<BasicRequestContext>,
        label: String = "test.server",
        _ body: @Sendable (URL) async throws -> Value
    ) async throws -> Value {
        let port = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                port.continuation.yield(channel.localAddress?.port ?? 0)
                port.continuation.finish()
            },
            logger: Logger(label: label)
        )
        return try await ServiceScope.run([app], label: label) {
            var bound = 0
            for await value in port.stream { bound = value }
            return try await body(URL(string: "http://127.0.0.1:\(bound)/")!)
        }
    }
}
