public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1
public import ServiceLifecycle

/// Posts each `Attention` to a Slack incoming webhook (`{"text": …}`), tried three times a few
/// seconds apart. The webhook URL is a secret: it is never logged.
public struct SlackNotifier: Service {
    let queue: AttentionQueue
    let webhook: URL
    let adminBase: String
    let httpClient: HTTPClient
    let logger: Logger

    public init(
        queue: AttentionQueue,
        webhook: URL,
        adminBase: String,
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "entitle.slack")
    ) {
        self.queue = queue
        self.webhook = webhook
        self.adminBase = adminBase
        self.httpClient = httpClient
        self.logger = logger
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await attention in queue.stream { await post(attention) }
        } onGracefulShutdown: {
            queue.finish()
        }
    }

    func post(_ attention: Attention) async {
        let body =
            (try? JSONSerialization.data(withJSONObject: ["text": attention.text(adminBase: adminBase)])) ?? Data()
        for attempt in 1...3 {
            var request = HTTPClientRequest(url: webhook.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await httpClient.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) { return }
                logger.warning(
                    "Slack refused a notification",
                    metadata: ["status": "\(response.status.code)", "attempt": "\(attempt)"]
                )
            } catch {
                logger.warning(
                    "Slack did not answer",
                    metadata: ["attempt": "\(attempt)", "error": "\(type(of: error))"]
                )
            }
            if attempt < 3 { try? await Task.sleep(for: .seconds(2 * attempt)) }
        }
        logger.error("a Slack notification was given up", metadata: ["about": "\(attention)"])
    }
}
