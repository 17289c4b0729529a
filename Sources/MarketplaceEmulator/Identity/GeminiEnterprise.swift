import AsyncHTTPClient
import Foundation
public import MarketplaceCore
import NIOCore
import NIOHTTP1

/// The emulator playing Gemini Enterprise as a buyer adds a purchased agent: it signs the
/// software statement as Google does and POSTs it to the vendor's `target_url` (RFC 7591), then
/// answers what the vendor said. The control API and the buyer page both use it, so the whole
/// agent flow runs locally.
struct GeminiEnterprise {
    let state: EmulatorState

    func register(entitlementID: String, _ request: AgentRegistrationRequest) async throws -> AgentRegistrationAnswer {
        guard let target = URL(string: request.targetURL), ["http", "https"].contains(target.scheme ?? "") else {
            throw GoogleAPIError.invalidArgument("targetURL must be an http(s) URL.")
        }
        let statement = try await state.softwareStatement(
            entitlementID: entitlementID,
            SoftwareStatementRequest(audience: request.audience, redirectURIs: request.redirectURIs)
        )
        var post = HTTPClientRequest(url: target.absoluteString)
        post.method = .POST
        post.headers.add(name: "Content-Type", value: "application/json")
        post.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(["software_statement": statement])))
        let response = try await HTTPClient.shared.execute(post, timeout: .seconds(30))
        let body = Data(try await response.body.collect(upTo: 1024 * 1024).readableBytesView)
        let json = try? JSONDecoder().decode(JSONValue.self, from: body)
        return AgentRegistrationAnswer(
            status: Int(response.status.code),
            body: json,
            text: json == nil ? String(decoding: body, as: UTF8.self) : nil
        )
    }
}

/// `POST /emulator/v1/entitlements/{id}/register-agent`: where Gemini Enterprise registers.
public struct AgentRegistrationRequest: Codable, Sendable {
    /// The Agent Card's `capabilities.extensions[].params.target_url`.
    public var targetURL: String
    /// The Agent Card's `provider.url`.
    public var audience: String
    /// Gemini Enterprise's redirect when nil.
    public var redirectURIs: [String]?

    public init(targetURL: String, audience: String, redirectURIs: [String]? = nil) {
        self.targetURL = targetURL
        self.audience = audience
        self.redirectURIs = redirectURIs
    }
}

/// What the vendor answered the registration.
public struct AgentRegistrationAnswer: Codable, Sendable {
    public var status: Int
    /// The answer, when it was JSON (`client_id`, `client_secret`, or `error`).
    public var body: JSONValue?
    /// The answer, when it was not.
    public var text: String?

    public var clientID: String? {
        if case .object(let members) = body ?? .null, case .string(let id) = members["client_id"] ?? .null {
            return id
        }
        return nil
    }
}
