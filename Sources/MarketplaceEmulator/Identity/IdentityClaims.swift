import JWTKit

/// Claims of the sign-up token Marketplace POSTs to the vendor (contract §4.2).
struct SignupClaims: JWTPayload {
    struct Google: Codable, Sendable {
        var roles: [String]
        var user_identity: String
        var orders: [String]?
    }

    var iss: String
    var iat: Int
    var exp: Int
    var aud: String
    var sub: String
    var google: Google

    func verify(using algorithm: some JWTAlgorithm) throws {}
}

/// Claims of a service account's JWT-bearer assertion (contract §7.2). Time claims are checked by
/// the token endpoint against the emulator's clock, not by jwt-kit.
struct AssertionClaims: JWTPayload {
    var iss: String
    var scope: String?
    var aud: AudienceClaim
    var iat: Int
    var exp: Int
    var sub: String?

    func verify(using algorithm: some JWTAlgorithm) throws {}
}
