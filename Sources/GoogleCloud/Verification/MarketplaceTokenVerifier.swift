public import Foundation
import JWTKit
public import MarketplaceCore

/// Verifies the sign-up JWT Marketplace POSTs as `x-gcp-marketplace-token` (contract §4.3): keys
/// only from the pinned certificate URL, issuer the constant of production (also against the
/// emulator), audience one of the vendor's domains, non-empty `sub`; the person's claims read as
/// Google may send them (`MarketplaceUserClaims`).
public struct MarketplaceTokenVerifier: Sendable {
    /// contract §4.2: the issuer, identical in production and in the emulator.
    public static let issuer =
        "https://www.googleapis.com/robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"

    /// What a verified sign-up token says.
    public struct Claims: Hashable, Sendable {
        /// `sub`: the Marketplace account to approve.
        public var accountID: AccountID
        /// `google.user_identity`: the person's stable, obfuscated Google id.
        public var userIdentity: String?
        public var roles: [String]
        public var orders: [String]
        public var audience: [String]
        public var expiresAt: Date
    }

    private let verifier: GoogleJWTVerifier

    /// - Parameters:
    ///   - audiences: the vendor's product domains, as configured in Producer Portal.
    ///   - certificates: a cache on `GoogleEndpoints.signupCertificates`.
    ///   - leeway: clock skew allowed on `exp`, `iat` and `nbf`.
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

    /// `google` read leniently (`MarketplaceUserClaims`): its shape never refuses a token.
    private struct Payload: JWTPayload {
        var google: MarketplaceUserClaims?
        /// `orders` at the top level, where some descriptions of the token put it.
        var topLevel: MarketplaceUserClaims?

        private enum CodingKeys: String, CodingKey { case google }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            google = try? container.decodeIfPresent(MarketplaceUserClaims.self, forKey: .google)
            topLevel = try? MarketplaceUserClaims(from: decoder)
        }

        func encode(to encoder: any Encoder) throws {}
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    public func verify(_ token: String) async throws(TokenVerificationError) -> Claims {
        let (registered, payload) = try await verifier.verify(token, as: Payload.self)
        guard let subject = registered.sub, !subject.isEmpty else { throw .missingSubject }
        guard let accountID = try? AccountID(subject) else { throw .malformed("sub is not an account id: \(subject)") }
        var user = payload.google ?? MarketplaceUserClaims()
        user.addOrders(fromTopLevel: payload.topLevel)
        return Claims(
            accountID: accountID,
            userIdentity: user.userIdentity,
            roles: user.roles,
            orders: user.orders,
            audience: registered.aud?.value ?? [],
            expiresAt: Date(timeIntervalSince1970: registered.exp ?? 0)
        )
    }
}
