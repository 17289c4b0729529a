import Foundation
import Hummingbird
import JWTKit

/// Identity-Aware Proxy, as far as an app behind it sees it: IAP's ES256 keys as a JWK set at
/// Google's path (`iap/verify/public_key-jwk`), and, for tests, the assertion IAP would add to a
/// request of a signed-in user (`POST /emulator/v1/iap-assertion {"email", "audience"}`).
struct IAPRoutes {
    static let issuer = "https://cloud.google.com/iap"

    let signer: IAPSigner

    struct AssertionRequest: Codable {
        var email: String
        var audience: String
        /// Seconds from now; negative for an expired assertion. IAP's last 10 minutes.
        var expiresIn: Int?
    }

    struct Claims: JWTPayload {
        var iss: String
        var aud: String
        var sub: String
        var email: String
        var iat: Int
        var exp: Int
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("iap/verify/public_key-jwk") { _, _ in
            var response = try JSONResponse.make(["keys": [signer.jwk]])
            response.headers[.cacheControl] = "public, max-age=3600"
            return response
        }
        router.post("emulator/v1/iap-assertion") { request, _ in
            let body = try await RequestDecoding.decode(AssertionRequest.self, from: request, allowEmpty: false)
            let now = Int(Date().timeIntervalSince1970)
            let claims = Claims(
                iss: Self.issuer,
                aud: body.audience,
                // Stable per user, as IAP's is (String.hashValue changes with every process).
                sub: "accounts.google.com:" + Data(body.email.lowercased().utf8).base64EncodedString(),
                email: body.email,
                iat: now,
                exp: now + (body.expiresIn ?? 600)
            )
            return try JSONResponse.make(["assertion": try await signer.sign(claims)])
        }
    }
}

/// IAP's signing key: P-256, made when the emulator starts.
struct IAPSigner: Sendable {
    let kid: String
    private let pem: String

    init() {
        let key = ES256PrivateKey()
        pem = key.pemRepresentation
        kid = "iap-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    var jwk: [String: String] {
        let parameters = (try? ES256PrivateKey(pem: pem))?.publicKey.parameters
        return [
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid, "x": parameters?.x ?? "",
            "y": parameters?.y ?? "",
        ]
    }

    func sign(_ claims: some JWTPayload) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(pem: pem), kid: JWKIdentifier(string: kid))
        return try await keys.sign(claims, kid: JWKIdentifier(string: kid))
    }
}
