public import Foundation
import JWTKit
public import MarketplaceCore

/// Verifies the software statement Gemini Enterprise POSTs when a buyer adds a purchased agent
/// (Dynamic Client Registration, RFC 7591 §2.3): RS256 with a `kid` from the one pinned key map of
/// `cloud-agentspace@system.gserviceaccount.com` (never a key or URL the statement names), `iss`
/// that same URL, `aud` the Agent Card's `provider.url`, times with a small leeway and a short
/// life, then what a registration needs: `sub` (the Marketplace account) and `google.order` (the
/// order; an entitlement id or its `orderId`). The redirect URIs are passed on as sent:
/// `AgentRegistrationRules` checks them, so that a bad one is answered `invalid_redirect_uri`.
public struct SoftwareStatementVerifier: Sendable {
    /// The issuer, which is also the URL of its key map (`GoogleEndpoints.agentspaceCertificates`
    /// in production).
    public static let issuer =
        "https://www.googleapis.com/service_accounts/v1/metadata/x509/cloud-agentspace@system.gserviceaccount.com"
    /// Google's statements live 5 minutes; one that claims to live longer than this is refused.
    public static let maxLifetime: TimeInterval = 3600

    /// What a verified statement says.
    public struct Claims: Hashable, Sendable {
        /// `sub`: the Marketplace account that bought the agent.
        public var accountID: AccountID
        /// `google.order`: the order the client is for.
        public var order: String
        /// `auth_app_redirect_uris`: where the vendor's identity provider may send the user back (unchecked).
        public var redirectURIs: [String]
        public var expiresAt: Date
    }

    private let verifier: GoogleJWTVerifier

    /// - Parameters:
    ///   - audiences: the Agent Cards' `provider.url`s.
    ///   - certificates: a cache on `GoogleEndpoints.agentspaceCertificates`.
    public init(
        audiences: Set<String>,
        certificates: GoogleCertificateCache,
        leeway: TimeInterval = 30,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        verifier = GoogleJWTVerifier(
            certificates: certificates,
            issuers: [Self.issuer],
            audiences: audiences,
            leeway: leeway,
            now: now
        )
    }

    private struct Payload: JWTPayload {
        struct Google: Codable { var order: String? }
        var google: Google?
        var auth_app_redirect_uris: [String]?
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    public func verify(_ statement: String) async throws(TokenVerificationError) -> Claims {
        let (registered, payload) = try await verifier.verify(statement, as: Payload.self)
        guard let issuedAt = registered.iat, let expiry = registered.exp else { throw .malformed("no iat or exp") }
        guard expiry - issuedAt <= Self.maxLifetime else {
            throw .malformed("it lives \(Int(expiry - issuedAt)) s; statements live minutes")
        }
        guard let subject = registered.sub, !subject.isEmpty else { throw .missingSubject }
        guard let accountID = try? AccountID(subject) else { throw .malformed("sub is not an account id: \(subject)") }
        guard let order = payload.google?.order, !order.isEmpty else { throw .malformed("no google.order") }
        return Claims(
            accountID: accountID,
            order: order,
            redirectURIs: payload.auth_app_redirect_uris ?? [],
            expiresAt: Date(timeIntervalSince1970: expiry)
        )
    }
}
