import Foundation
import JWTKit
import MarketplaceCore

/// Gemini Enterprise registering a purchased agent with its vendor (Dynamic Client Registration,
/// RFC 7591): the software statement it POSTs to the vendor's `target_url`, signed as Google signs
/// it, by `cloud-agentspace@system.gserviceaccount.com`, whose x509 key map the emulator serves at
/// Google's path. Its times are real time, since the vendor checks them against its own clock.
extension EmulatorState {
    /// The issuer of software statements, which is also the URL of its key map.
    static let agentspaceIssuer =
        "https://www.googleapis.com/service_accounts/v1/metadata/x509/cloud-agentspace@system.gserviceaccount.com"
    /// Where Gemini Enterprise sends the user back after the vendor's sign-in.
    static let geminiRedirectURI = "https://vertexaisearch.cloud.google.com/oauth-redirect"

    /// The statement registering `entitlementID`'s agent: `sub` its account, `google.order` its
    /// order (the entitlement's `orderId`), `aud` the Agent Card's `provider.url`.
    func softwareStatement(entitlementID: String, _ request: SoftwareStatementRequest) async throws -> String {
        let record = try entitlement(entitlementID)
        let account = record.resource.account?.split(separator: "/").last.map(String.init) ?? ""
        let issuedAt = request.issuedAt ?? Int(clock.wallNow.seconds)
        let claims = SoftwareStatementClaims(
            iss: request.issuer ?? Self.agentspaceIssuer,
            aud: request.audience,
            sub: request.subject ?? account,
            iat: issuedAt,
            exp: request.expiresAt ?? issuedAt + 300,
            google: ["order": .string(request.order ?? record.resource.orderId ?? entitlementID)],
            auth_app_redirect_uris: request.redirectURIs ?? [Self.geminiRedirectURI]
        )
        return try await agentspaceKeys[0].sign(claims)
    }

    /// A new signing key, published beside the old one (as Google publishes both while it rotates);
    /// statements are signed with it from now on. Returns its kid.
    func rotateAgentspaceKey() throws -> String {
        let key = try SigningKey(commonName: "cloud-agentspace@system.gserviceaccount.com")
        agentspaceKeys = [key] + agentspaceKeys.prefix(1)
        return key.kid
    }
}

/// `POST /emulator/v1/entitlements/{id}/software-statement`: what to sign. Only the audience is
/// needed; each other field bends one claim, so a vendor can watch its endpoint refuse it.
public struct SoftwareStatementRequest: Codable, Sendable {
    /// The Agent Card's `provider.url`.
    public var audience: String
    /// `auth_app_redirect_uris`; Gemini Enterprise's redirect when nil.
    public var redirectURIs: [String]?
    /// `google.order`; the entitlement's `orderId` when nil.
    public var order: String?
    public var issuer: String?
    public var subject: String?
    public var issuedAt: Int?
    public var expiresAt: Int?

    public init(
        audience: String,
        redirectURIs: [String]? = nil,
        order: String? = nil,
        issuer: String? = nil,
        subject: String? = nil,
        issuedAt: Int? = nil,
        expiresAt: Int? = nil
    ) {
        self.audience = audience
        self.redirectURIs = redirectURIs
        self.order = order
        self.issuer = issuer
        self.subject = subject
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

/// The signed statement, as Gemini Enterprise would POST it (`{"software_statement": …}`).
public struct EmulatorSoftwareStatement: Codable, Sendable {
    public var softwareStatement: String
}

/// Claims of a software statement.
struct SoftwareStatementClaims: JWTPayload {
    var iss: String
    var aud: String
    var sub: String
    var iat: Int
    var exp: Int
    var google: [String: JSONValue]
    var auth_app_redirect_uris: [String]

    func verify(using algorithm: some JWTAlgorithm) throws {}
}
