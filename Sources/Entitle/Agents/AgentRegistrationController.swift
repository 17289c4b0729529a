import EntitleStore
import Foundation
import HTTPTypes
public import Hummingbird
import Logging
import MarketplaceCore
import NIOCore

/// `POST {agentRegistrationPath}`: Gemini Enterprise's Dynamic Client Registration of a purchased
/// agent (RFC 7591). No credential opens it: the software statement in the body is the credential
/// (`SoftwareStatementVerifier`). Answers 201 with the order's client, `Cache-Control: no-store`;
/// 400 with RFC 7591's `{error, error_description}`; 503 with `Retry-After` when the identity
/// provider or the store is away.
public struct AgentRegistrationController: Sendable {
    static let maxBodyBytes = 64 * 1024
    let registrations: AgentRegistrations
    let path: String
    let logger: Logger

    init(registrations: AgentRegistrations, path: String, logger: Logger) {
        self.registrations = registrations
        self.path = path
        self.logger = logger
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post(RouterPath(path)) { request, _ in try await handle(request) }
    }

    private struct Body: Decodable { var software_statement: String? }

    private struct Registered: Encodable {
        var client_id: String
        var client_secret: String
        var client_secret_expires_at = 0
    }

    private struct Refused: Encodable {
        var error: String
        var error_description: String
    }

    func handle(_ request: Request) async throws -> Response {
        let bytes: ByteBuffer
        do { bytes = try await request.body.collect(upTo: Self.maxBodyBytes) } catch {
            return try Self.answer(
                Refused(error: "invalid_client_metadata", error_description: "the body is over 64 KiB"),
                .contentTooLarge
            )
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: Data(bytes.readableBytesView)),
            let statement = body.software_statement, !statement.isEmpty
        else {
            return try Self.answer(
                Refused(
                    error: "invalid_software_statement",
                    error_description: #"the body must be a JSON object with "software_statement""#
                ),
                .badRequest
            )
        }
        do {
            let client = try await registrations.register(statement: statement)
            return try Self.answer(Registered(client_id: client.clientID, client_secret: client.clientSecret), .created)
        } catch let refusal as AgentRegistrationRules.Refusal {
            logger.warning(
                "agent registration refused",
                metadata: ["error": "\(refusal.error)", "reason": "\(refusal.description.bounded())"]
            )
            return try Self.answer(
                Refused(error: refusal.error, error_description: refusal.description.bounded()),
                .badRequest
            )
        } catch let error as AgentRegistrations.Unavailable {
            return try Self.unavailable(error.description)
        } catch StoreError.unavailable {
            return try Self.unavailable("the store is unavailable")
        }
    }

    private static func unavailable(_ reason: String) throws -> Response {
        var response = try answer(
            Refused(error: "temporarily_unavailable", error_description: reason + "; nothing was lost, ask again"),
            .serviceUnavailable
        )
        response.headers[.retryAfter] = "\(RetryAfter.storeOutage)"
        return response
    }

    /// RFC 7591 §3.2: answers carrying a secret are never cached.
    private static func answer(_ value: some Encodable, _ status: HTTPResponse.Status) throws -> Response {
        var response = try JSONReply.make(value, status: status)
        response.headers[.cacheControl] = "no-store"
        response.headers[HTTPField.Name("Pragma")!] = "no-cache"
        return response
    }
}
