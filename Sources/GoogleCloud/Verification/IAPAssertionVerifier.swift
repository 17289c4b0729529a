public import Foundation
import JWTKit

/// Verifies the `x-goog-iap-jwt-assertion` header Identity-Aware Proxy adds to every request it
/// lets through (Google's "Securing your app with signed headers"): ES256, signed by one of
/// IAP's published keys, issuer `https://cloud.google.com/iap`, the backend's audience
/// (`/projects/NUMBER/global/backendServices/ID` or `/projects/NUMBER/apps/PROJECT`), not expired.
public struct IAPAssertionVerifier: Sendable {
    public static let header = "x-goog-iap-jwt-assertion"
    public static let issuer = "https://cloud.google.com/iap"

    public struct Identity: Hashable, Sendable {
        public var email: String
        public var subject: String?
        public var expires: Date
    }

    private let verifier: GoogleJWTVerifier

    /// - Parameter keys: a `.jwks` cache on `GoogleEndpoints.iapKeys`.
    public init(
        audience: String,
        keys: GoogleCertificateCache,
        leeway: TimeInterval = 30,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        var verifier = GoogleJWTVerifier(
            certificates: keys,
            issuers: [Self.issuer],
            audiences: [audience],
            leeway: leeway,
            now: now
        )
        verifier.algorithm = "ES256"
        self.verifier = verifier
    }

    private struct Payload: JWTPayload {
        var email: String?
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    public func verify(_ assertion: String) async throws(TokenVerificationError) -> Identity {
        let (registered, payload) = try await verifier.verify(assertion, as: Payload.self)
        guard let email = payload.email, !email.isEmpty else { throw .unverifiedEmail(nil) }
        return Identity(
            email: email,
            subject: registered.sub,
            expires: Date(timeIntervalSince1970: registered.exp ?? 0)
        )
    }
}
