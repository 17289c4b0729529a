import Foundation
import JWTKit
import MarketplaceCore

/// OAuth2 access tokens (contract §7) and sign-up tokens (contract §4), issued against the
/// emulator's clock so that time travel expires them as real time would.
extension EmulatorState {
    /// Exchanges a JWT-bearer assertion signed with the service account's key for an access token.
    /// - Throws: `OAuthError` with Google's `invalid_grant` or `unsupported_grant_type`.
    func exchange(grantType: String?, assertion: String?, tokenURL: String) async throws(OAuthError) -> (token: String, expiresIn: Int) {
        guard grantType == "urn:ietf:params:oauth:grant-type:jwt-bearer" else {
            throw OAuthError(error: "unsupported_grant_type", description: "Only the JWT bearer grant is supported.")
        }
        guard let assertion, !assertion.isEmpty else { throw OAuthError(error: "invalid_request", description: "Missing assertion.") }
        let claims: AssertionClaims
        do {
            let keys = JWTKeyCollection()
            await keys.add(
                rsa: try identity.serviceAccount.jwtPublicKey(),
                digestAlgorithm: .sha256,
                kid: JWKIdentifier(string: identity.serviceAccount.kid)
            )
            claims = try await keys.verify(assertion, as: AssertionClaims.self)
        } catch {
            throw OAuthError(error: "invalid_grant", description: "Invalid JWT Signature.")
        }
        let now = Int(self.now.seconds)
        guard claims.iss == identity.serviceAccountEmail else {
            throw OAuthError(error: "invalid_grant", description: "Invalid issuer: \(claims.iss).")
        }
        guard claims.aud.value.contains(where: { $0 == EmulatorIdentity.googleTokenAudience || $0 == tokenURL }) else {
            throw OAuthError(error: "invalid_grant", description: "Invalid JWT: audience must be the token endpoint.")
        }
        guard claims.exp > now - 60, claims.iat <= now + 60, claims.exp - claims.iat <= 3600 else {
            throw OAuthError(
                error: "invalid_grant",
                description: "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
            )
        }
        guard let scope = claims.scope, !scope.isEmpty else { throw OAuthError(error: "invalid_scope", description: "No scope requested.") }
        return issueAccessToken()
    }

    /// A fresh access token valid for the configured lifetime, or for ever with `expires: false`.
    func issueAccessToken(expires: Bool = true) -> (token: String, expiresIn: Int) {
        let token = "ya29.emulator-" + UUID().uuidString.lowercased()
        // "Never" is the last instant RFC 3339 can write (9999-12-31T23:59:59Z), so it survives `--state`.
        accessTokens[token] = expires ? now.adding(seconds: Int64(accessTokenLifetime)) : Timestamp(seconds: 253_402_300_799)
        return (token, accessTokenLifetime)
    }

    /// Whether `token` was issued here and is still valid.
    func isValidAccessToken(_ token: String) -> Bool {
        guard let expiry = accessTokens[token] else { return false }
        return now < expiry
    }

    /// A sign-up token for `accountID` as Marketplace would POST it: RS256, 5 minutes (contract §4.2).
    func signupToken(accountID: String) async throws -> String {
        let orders = (accounts[accountID]?.entitlementIDs ?? []).compactMap { entitlements[$0]?.resource.orderId }
        let issuedAt = Int(now.seconds)
        let claims = SignupClaims(
            iss: EmulatorIdentity.signupIssuer,
            iat: issuedAt,
            exp: issuedAt + 300,
            aud: signupAudience,
            sub: accountID,
            google: .init(roles: ["account_admin"], user_identity: "user-" + accountID, orders: orders.isEmpty ? nil : orders)
        )
        return try await identity.signup.sign(claims)
    }
}

/// An OAuth2 token endpoint error: `{"error": …, "error_description": …}` with HTTP 400.
struct OAuthError: Error, Codable {
    var error: String
    var description: String

    enum CodingKeys: String, CodingKey {
        case error
        case description = "error_description"
    }
}
