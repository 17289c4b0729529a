import Foundation
import JWTKit
public import MarketplaceCore

/// OAuth2 access tokens (contract §7), issued against the emulator's clock so that time travel
/// expires them as real time would; sign-up tokens (contract §4) and push tokens (§6), which the
/// vendor verifies, on real time.
extension EmulatorState {
    /// Exchanges a JWT-bearer assertion signed with the service account's key for an access token.
    /// - Throws: `OAuthError` with Google's `invalid_grant` or `unsupported_grant_type`.
    func exchange(
        grantType: String?,
        assertion: String?,
        tokenURL: String
    ) async throws(OAuthError) -> (token: String, expiresIn: Int) {
        guard grantType == "urn:ietf:params:oauth:grant-type:jwt-bearer" else {
            throw OAuthError(error: "unsupported_grant_type", description: "Only the JWT bearer grant is supported.")
        }
        guard let assertion, !assertion.isEmpty else {
            throw OAuthError(error: "invalid_request", description: "Missing assertion.")
        }
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
        // The client signed on its own (real) clock; after time travel the emulator's clock is ahead.
        let now = Int(clock.wallNow.seconds)
        guard claims.iss == identity.serviceAccountEmail else {
            throw OAuthError(error: "invalid_grant", description: "Invalid issuer: \(claims.iss).")
        }
        guard
            claims.aud?.value.contains(where: { $0 == EmulatorIdentity.googleTokenAudience || $0 == tokenURL }) == true
        else {
            throw OAuthError(error: "invalid_grant", description: "Invalid JWT: audience must be the token endpoint.")
        }
        guard claims.exp > now - 60, claims.iat <= now + 60, claims.exp - claims.iat <= 3600 else {
            throw OAuthError(
                error: "invalid_grant",
                description:
                    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe."
            )
        }
        guard let scope = claims.scope, !scope.isEmpty else {
            throw OAuthError(error: "invalid_scope", description: "No scope requested.")
        }
        return issueAccessToken()
    }

    /// A fresh access token valid for the configured lifetime, or for ever with `expires: false`.
    func issueAccessToken(expires: Bool = true) -> (token: String, expiresIn: Int) {
        let token = "ya29.emulator-" + UUID().uuidString.lowercased()
        // "Never" is the last instant RFC 3339 can write (9999-12-31T23:59:59Z), so it survives `--state`.
        accessTokens[token] =
            expires ? now.adding(seconds: Int64(accessTokenLifetime)) : Timestamp(seconds: 253_402_300_799)
        return (token, accessTokenLifetime)
    }

    /// Whether `token` was issued here and is still valid.
    func isValidAccessToken(_ token: String) -> Bool {
        guard let expiry = accessTokens[token] else { return false }
        return now < expiry
    }

    /// contract §7.2: Google's APIs also take a JWT the service account signed itself as the bearer
    /// token (`iss` = `sub` = its email, `aud` an API's root URL or a `scope` claim, at most 1 hour).
    /// Its times are the client's, so they are checked against real time.
    func isValidSelfSignedJWT(_ token: String) async -> Bool {
        guard token.split(separator: ".").count == 3 else { return false }
        let keys = JWTKeyCollection()
        do {
            await keys.add(
                rsa: try identity.serviceAccount.jwtPublicKey(),
                digestAlgorithm: .sha256,
                kid: JWKIdentifier(string: identity.serviceAccount.kid)
            )
            let claims = try await keys.verify(token, as: AssertionClaims.self)
            let now = Int(clock.wallNow.seconds)
            let audienceIsAnAPI =
                claims.aud?.value.contains { $0.hasPrefix("https://") && $0.hasSuffix(".googleapis.com/") } ?? false
            return claims.iss == identity.serviceAccountEmail && claims.sub == claims.iss
                && (audienceIsAnAPI || claims.scope?.isEmpty == false)
                && claims.exp > now - 60 && claims.iat <= now + 60 && claims.exp - claims.iat <= 3600
        } catch {
            return false
        }
    }

    /// A sign-up token for `accountID` as Marketplace would POST it: RS256, 5 minutes (contract §4.2).
    /// Stamped with real time, since the vendor checks it against its own clock.
    /// `overrides` bend single claims, so vendors can see their verifier refuse each bad token.
    func signupToken(accountID: String, overrides: SignupTokenOverrides = SignupTokenOverrides()) async throws -> String
    {
        for (name, value) in [("issuedAt", overrides.issuedAt), ("expiresAt", overrides.expiresAt)] {
            if let value, !(0...Int(Self.endOfTime.seconds)).contains(value) {
                throw GoogleAPIError.invalidArgument(
                    "\(name) is Unix seconds from 0 to \(Self.endOfTime.seconds); got \(value)."
                )
            }
        }
        let orders = (accounts[accountID]?.entitlementIDs ?? []).compactMap { entitlements[$0]?.resource.orderId }
        let issuedAt = overrides.issuedAt ?? Int(clock.wallNow.seconds)
        let claims = SignupClaims(
            iss: overrides.issuer ?? EmulatorIdentity.signupIssuer,
            iat: issuedAt,
            exp: overrides.expiresAt ?? issuedAt + 300,
            aud: overrides.audience ?? signupAudience,
            sub: overrides.subject ?? accountID,
            google: overrides.google(
                defaultUser: "user-" + accountID,
                orders: orders.isEmpty ? nil : .array(orders.map(JSONValue.string))
            )
        )
        return try await identity.signup.sign(claims)
    }
}

extension EmulatorState {
    /// The OIDC token Google puts on a push request: 1 hour, `aud` the configured audience or else
    /// the endpoint, `email` the configured service account (contract §6).
    func pushToken(audience: String, email: String) async throws -> String {
        let issuedAt = Int(clock.wallNow.seconds)
        // A stable numeric id per email, as Google gives each service account one.
        let id = String(
            email.utf8.reduce(UInt64(1_469_598_103_934_665_603)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
                % 1_000_000_000_000_000_000
        )
        let claims = PushTokenClaims(
            iss: EmulatorIdentity.oidcIssuer,
            aud: audience,
            azp: id,
            sub: id,
            email: email,
            email_verified: true,
            iat: issuedAt,
            exp: issuedAt + 3600
        )
        return try await identity.oidc.sign(claims)
    }
}

/// Claims a test wants wrong in a sign-up token (`POST /emulator/v1/accounts/{id}/signup-token`).
/// Times are Unix seconds.
public struct SignupTokenOverrides: Codable, Sendable {
    public var issuer: String?
    public var audience: String?
    public var subject: String?
    public var issuedAt: Int?
    public var expiresAt: Int?
    /// Another person of the account (`google.user_identity`); the account's first person when nil.
    public var userIdentity: String?
    /// `google.roles` as sent: a list (`["account_admin"]` when nil), a single string, anything.
    public var roles: JSONValue?
    /// `google.orders` as sent: ids, objects, anything; the account's order ids when nil.
    public var orders: JSONValue?
    /// More claims in `google`, such as ones Google may add.
    public var googleExtras: [String: JSONValue]?

    public init(
        issuer: String? = nil,
        audience: String? = nil,
        subject: String? = nil,
        issuedAt: Int? = nil,
        expiresAt: Int? = nil,
        userIdentity: String? = nil,
        roles: JSONValue? = nil,
        orders: JSONValue? = nil,
        googleExtras: [String: JSONValue]? = nil
    ) {
        self.issuer = issuer
        self.audience = audience
        self.subject = subject
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.userIdentity = userIdentity
        self.roles = roles
        self.orders = orders
        self.googleExtras = googleExtras
    }

    /// The token's `google` object: the defaults with these overrides on top.
    func google(defaultUser: String, orders accountOrders: JSONValue?) -> [String: JSONValue] {
        var google = googleExtras ?? [:]
        google["user_identity"] = .string(userIdentity ?? defaultUser)
        google["roles"] = roles ?? .array([.string("account_admin")])
        if let orders = orders ?? accountOrders { google["orders"] = orders }
        return google
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
