import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A push endpoint on loopback for the emulator to POST to: it records every request and answers
/// with the statuses it is given, in order (204 once they run out).
actor PushReceiver {
    struct Request: Sendable {
        var headers: [String: String]
        var body: Data
        var at: ContinuousClock.Instant
    }

    private(set) var requests: [Request] = []
    private var statuses: [Int]

    init(statuses: [Int] = []) {
        self.statuses = statuses
    }

    private func record(_ request: Request) -> Int {
        requests.append(request)
        return statuses.isEmpty ? 204 : statuses.removeFirst()
    }

    /// Waits (up to `timeout`) until `count` requests came.
    func waitFor(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while requests.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return requests
    }

    /// Runs the receiver for the length of `body`, handing it the endpoint URL (`…/push`).
    func serve<Value: Sendable>(_ body: @Sendable (URL) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("push") { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let bytes = try await request.body.collect(upTo: 1024 * 1024)
            let status = await self.record(Request(headers: headers, body: Data(bytes.readableBytesView), at: .now))
            return Response(status: .init(code: status))
        }
        let port = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                port.continuation.yield(channel.localAddress?.port ?? 0)
                port.continuation.finish()
            },
            logger: Logger(label: "test.push-receiver")
        )
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test.push-receiver")))
        return try await withThrowingTaskGroup(of: Value?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var bound = 0
            for await value in port.stream { bound = value }
            do {
                let value = try await body(URL(string: "http://127.0.0.1:\(bound)/push")!)
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
