import Foundation
import JWTKit

/// The checks every Google-signed token gets (contract §4.3, §6): RS256 only, a `kid`, no key
/// references of the token's own, the key from the pinned certificate cache, the signature,
/// then `iss`, `aud`, `exp`/`iat`/`nbf` with a small leeway. What the claims mean is up to
/// `MarketplaceTokenVerifier` and `PushTokenVerifier`.
struct GoogleJWTVerifier: Sendable {
    let certificates: GoogleCertificateCache
    let issuers: Set<String>
    let audiences: Set<String>
    let leeway: TimeInterval
    let now: @Sendable () -> Date
    /// The one signing algorithm accepted: RS256 for Google's OAuth2 and sign-up keys, ES256 for IAP.
    var algorithm = "RS256"

    struct Header: Decodable {
        var alg: String?
        var kid: String?
        var jku: String?
        var x5u: String?
        var jwk: JSONValueIgnored?
        var x5c: JSONValueIgnored?
    }

    /// Any JSON, present or not; only its presence matters.
    struct JSONValueIgnored: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// The registered claims, read leniently (numbers may carry fractions; `aud` a string or a list).
    struct Registered: JWTPayload {
        var iss: String?
        var aud: AudienceClaim?
        var sub: String?
        var iat: Double?
        var exp: Double?
        var nbf: Double?
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    /// Verifies `token` and decodes its payload as `Claims` too.
    func verify<Claims: JWTPayload>(
        _ token: String,
        as claims: Claims.Type
    ) async throws(TokenVerificationError) -> (Registered, Claims) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = Self.base64URLDecode(parts[0]) else {
            throw .malformed("not a JWS compact token")
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: headerData) else {
            throw .malformed("the header is not JSON")
        }
        guard header.alg == algorithm else { throw .unsupportedAlgorithm(header.alg ?? "(none)") }
        for (name, present) in [
            ("jku", header.jku != nil), ("x5u", header.x5u != nil), ("jwk", header.jwk != nil),
            ("x5c", header.x5c != nil),
        ]
        where present {
            throw .embeddedKeyReference(name)
        }
        guard let kid = header.kid, !kid.isEmpty else { throw .missingKeyID }
        let keys = try await certificates.keys(holding: kid)
        let registered: Registered
        let payload: Claims
        do {
            registered = try await keys.verify(token, as: Registered.self)
            // The signature was checked just above; checking it again for the second view of the
            // same payload would double the RSA work per token.
            payload = try await keys.unverified(token, as: Claims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw .badSignature
        } catch {
            throw .malformed("\(error)")
        }
        guard let issuer = registered.iss, issuers.contains(issuer) else {
            throw .wrongIssuer(registered.iss ?? "(none)")
        }
        let audience = registered.aud?.value ?? []
        guard audience.contains(where: audiences.contains) else { throw .wrongAudience(audience) }
        let now = self.now().timeIntervalSince1970
        guard let expiry = registered.exp else { throw .malformed("no exp") }
        guard now <= expiry + leeway else { throw .expired }
        if let issuedAt = registered.iat, issuedAt > now + leeway { throw .notYetValid }
        if let notBefore = registered.nbf, notBefore > now + leeway { throw .notYetValid }
        return (registered, payload)
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
