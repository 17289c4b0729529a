import JWTKit
import MarketplaceCore

/// Claims of the sign-up token Marketplace POSTs to the vendor (contract §4.2).
/// `google` is free-form JSON so a test can send each shape Google might (`roles` as a string,
/// `orders` as objects, claims nobody knows yet).
struct SignupClaims: JWTPayload {
    var iss: String
    var iat: Int
    var exp: Int
    var aud: String
    var sub: String
    var google: [String: JSONValue]

    func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Claims of a service account's JWT-bearer assertion (contract §7.2). Time claims are checked by
/// the token endpoint against the emulator's clock, not by jwt-kit.
struct AssertionClaims: JWTPayload {
    var iss: String
    var scope: String?
    /// Absent in a self-signed JWT that carries `scope` instead (google-auth's `always_use_jwt_access`).
    var aud: AudienceClaim?
    var iat: Int
    var exp: Int
    var sub: String?

    func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Claims of the OIDC token on a push request (contract §6). `sub` and `azp` are the service
/// account's numeric id.
struct PushTokenClaims: JWTPayload {
    var iss: String
    var aud: String
    var azp: String
    var sub: String
    var email: String
    var email_verified: Bool
    var iat: Int
    var exp: Int

    func verify(using algorithm: some JWTAlgorithm) throws {}
}
