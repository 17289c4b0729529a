import Foundation
public import GoogleCloud
import HTTPTypes
public import Hummingbird
public import Logging
import MarketplaceCore
import NIOCore

/// `POST /pubsub/push`: Pub/Sub's push delivery (contract §6). The OIDC bearer token is verified
/// (signature, audience, service-account email) before the body is read; then the wrapped
/// envelope's message goes through the same `NotificationProcessor` as pulled ones. 204 acks
/// (processed, duplicate, poison recorded, a malformed envelope kept as poison, or dead-lettered
/// after too many failures); 503 hands the message back for Pub/Sub to retry.
public struct PubSubPushController: Sendable {
    public static let path = "pubsub/push"
    /// Marketplace messages are a few hundred bytes; Pub/Sub's own limit is 10 MB.
    public static let maxBodyBytes = 1024 * 1024

    let processor: NotificationProcessor
    let verifier: PushTokenVerifier
    let logger: Logger

    public init(
        processor: NotificationProcessor,
        verifier: PushTokenVerifier,
        logger: Logger = Logger(label: "entitle.push")
    ) {
        self.processor = processor
        self.verifier = verifier
        self.logger = logger
    }

    struct Envelope: Decodable {
        struct Message: Decodable {
            var data: String?
            var attributes: [String: String]?
            var messageId: String?
            var message_id: String?
            var publishTime: String?
        }
        var message: Message
        var subscription: String?
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post(RouterPath(Self.path)) { request, context in try await handle(request, id: context.id) }
    }

    func handle(_ request: Request, id: String) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return Self.plain(.unauthorized, "A Pub/Sub OIDC bearer token is required.")
        }
        do {
            _ = try await verifier.verify(String(header.dropFirst("Bearer ".count)))
        } catch {
            logger.warning("push refused", metadata: ["reason": "\(error)"])
            return Self.plain(.forbidden, "The push token is not valid: \(error)")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxBodyBytes) } catch {
            return Self.plain(.contentTooLarge, "A push body is at most \(Self.maxBodyBytes) bytes.")
        }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: Data(body.readableBytesView)) else {
            // Refusing it would have Pub/Sub push it again forever: kept as poison, acknowledged.
            try await processor.recordPoison(
                data: Data(body.readableBytesView),
                messageID: nil,
                reason: "the push body is not a Pub/Sub push envelope ({\"message\": {...}, \"subscription\": ...})"
            )
            return Response(status: .noContent)
        }
        let data = envelope.message.data.map { Data(base64Encoded: $0) } ?? Data()
        let messageID = envelope.message.messageId ?? envelope.message.message_id
        let attributes = envelope.message.attributes ?? [:]
        do {
            let published = envelope.message.publishTime.flatMap { try? Timestamp(rfc3339: $0) }
            _ = try await processor.handle(
                data: data,
                messageID: messageID,
                attributes: attributes,
                publishTime: published
            )
            return Response(status: .noContent)
        } catch {
            // Pub/Sub's retry policy spaces the pushes; after too many, the message is kept and acked.
            if case .deadLettered? = try? await processor.failed(
                data: data,
                messageID: messageID,
                attributes: attributes,
                error: error
            ) {
                return Response(status: .noContent)
            }
            logger.warning("push handed back", metadata: ["requestId": "\(id)", "error": "\(error)"])
            return Self.plain(.serviceUnavailable, "Not processed; Pub/Sub will deliver it again (request id \(id)).")
        }
    }

    static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n"))
        )
    }
}
