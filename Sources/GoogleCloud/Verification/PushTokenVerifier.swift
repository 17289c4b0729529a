public import Foundation
import JWTKit

/// Verifies the OIDC token on a Pub/Sub push request (contract §6): signed by Google's OAuth2
/// keys, issuer `https://accounts.google.com`, the configured audience, and `email` the push
/// service account with `email_verified`.
public struct PushTokenVerifier: Sendable {
    public static let issuers: Set<String> = ["https://accounts.google.com", "accounts.google.com"]

    public struct Claims: Hashable, Sendable {
        public var email: String
        public var subject: String?
        public var audience: [String]
    }

    private let verifier: GoogleJWTVerifier
    private let serviceAccountEmail: String

    /// - Parameters:
    ///   - audience: the subscription's `oidcToken.audience` (its push endpoint when unset).
    ///   - serviceAccountEmail: the subscription's `oidcToken.serviceAccountEmail`.
    ///   - certificates: a cache on `GoogleEndpoints.oidcCertificates`.
    public init(
        audience: String,
        serviceAccountEmail: String,
        certificates: GoogleCertificateCache,
        leeway: TimeInterval = 30,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        verifier = GoogleJWTVerifier(
            certificates: certificates,
            issuers: Self.issuers,
            audiences: [audience],
            leeway: leeway,
            now: now
        )
        self.serviceAccountEmail = serviceAccountEmail
    }

    private struct Payload: JWTPayload {
        var email: String?
        var email_verified: Bool?
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    /// Verifies the bearer token of a push request (the part after `Bearer `).
    public func verify(_ token: String) async throws(TokenVerificationError) -> Claims {
        let (registered, payload) = try await verifier.verify(token, as: Payload.self)
        guard payload.email == serviceAccountEmail, payload.email_verified == true else {
            throw .unverifiedEmail(payload.email)
        }
        return Claims(email: serviceAccountEmail, subject: registered.sub, audience: registered.aud?.value ?? [])
    }
}
