import MarketplaceCore

/// Why a Google-signed token (a sign-up JWT or a push OIDC token) was refused. Each check has
/// its own case, so logs and tests can tell them apart. The values a token carries are its
/// sender's: the description cuts and escapes each (`bounded`) before it reaches a log or a page.
public enum TokenVerificationError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(String)
    /// Only RS256 is accepted: `none`, HS256 (a public key used as an HMAC secret) and the rest are refused.
    case unsupportedAlgorithm(String)
    case missingKeyID
    /// The header points at keys of its own (`jku`, `x5u`, `jwk`, `x5c`): never followed.
    case embeddedKeyReference(String)
    case unknownKey(String)
    case badSignature
    case wrongIssuer(String)
    case wrongAudience([String])
    case expired
    case notYetValid
    case missingSubject
    case unverifiedEmail(String?)
    case certificatesUnavailable(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed token: \(reason.bounded())"
        case .unsupportedAlgorithm(let alg): "algorithm \(alg.bounded()) is not accepted; tokens must be RS256"
        case .missingKeyID: "the token names no key (kid)"
        case .embeddedKeyReference(let header):
            "the token points at its own keys (\(header.bounded())); keys come only from the pinned URL"
        case .unknownKey(let kid): "no Google key has kid \(kid.bounded())"
        case .badSignature: "the signature does not match"
        case .wrongIssuer(let issuer): "issuer \(issuer.bounded()) is not the expected one"
        case .wrongAudience(let audience): "audience \(audience.prefix(5).map { $0.bounded() }) is not one of ours"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        case .missingSubject: "the token has no subject"
        case .unverifiedEmail(let email):
            "email \(email?.bounded() ?? "(none)") is not the expected verified service account"
        case .certificatesUnavailable(let reason): "Google's certificates are unavailable: \(reason.bounded())"
        }
    }
}
