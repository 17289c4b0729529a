public import Foundation
import Hummingbird

/// An HTTP endpoint on loopback that records every POST (a push endpoint for the emulator, a
/// webhook for callbacks) and answers with the statuses it is given, in order (204 once they run out).
public actor HTTPReceiver {
    public struct Request: Sendable {
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: Data
        public var at: ContinuousClock.Instant
    }

    public private(set) var requests: [Request] = []
    private var statuses: [Int]
    /// Requests with this header value get these statuses first (header name lower-cased).
    private var targeted: [String: (header: String, statuses: [Int])] = [:]

    public init(statuses: [Int] = []) {
        self.statuses = statuses
    }

    /// Replaces the scripted statuses (an empty list: 204 from now on).
    public func respond(with statuses: [Int]) {
        self.statuses = statuses
    }

    /// Answers the requests whose `header` is `value` with `statuses` first, whatever comes between.
    public func respond(with statuses: [Int], whenHeader header: String, is value: String) {
        targeted[value] = (header.lowercased(), statuses)
    }

    private func record(_ request: Request) -> Int {
        requests.append(request)
        for (value, rule) in targeted where request.headers[rule.header] == value && !rule.statuses.isEmpty {
            targeted[value]?.statuses.removeFirst()
            return rule.statuses[0]
        }
        return statuses.isEmpty ? 204 : statuses.removeFirst()
    }

    /// Waits (up to `timeout`) until `count` requests came.
    public func waitFor(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while requests.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return requests
    }

    /// Runs the receiver for the length of `body`, handing it the endpoint URL (`…/push`).
    public func serve<Value: Sendable>(_ body: @Sendable (URL) async throws -> Value) async throws -> Value {
        let router = Router()
        router.post("push") { request, _ in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let bytes = try await request.body.collect(upTo: 1024 * 1024)
            let status = await self.record(Request(headers: headers, body: Data(bytes.readableBytesView), at: .now))
            return Response(status: .init(code: status))
        }
        return try await LoopbackServer.run(router, label: "test.receiver") { base in
            try await body(base.appendingPathComponent("push"))
        }
    }
}
