import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import MarketplaceCore

/// Google's identity endpoints on the emulator: the OAuth2 token endpoint (contract §7.2), the
/// metadata server's token path (§7.3), the sign-up key map (§4.3), and sign-up tokens for buyers.
struct IdentityRoutes {
    let state: EmulatorState
    let signupURL: String

    struct TokenResponse: Codable {
        var access_token: String
        var expires_in: Int
        var token_type = "Bearer"
    }

    /// contract §7.3: the metadata server refuses requests without `Metadata-Flavor: Google`.
    static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

    /// One key as a JWK set (RFC 7517), as Google's `/oauth2/v3/certs` and `service_accounts/v1/jwk/…` publish keys.
    static func jwks(_ key: SigningKey) throws -> [String: [[String: String]]] {
        let (modulus, exponent) = try key.jwtPublicKey().getKeyPrimitives()
        return [
            "keys": [
                [
                    "kty": "RSA", "alg": "RS256", "use": "sig", "kid": key.kid, "n": modulus.base64URL,
                    "e": exponent.base64URL,
                ]
            ]
        ]
    }

    struct ServiceAccountInfo: Encodable {
        var aliases: [String]
        var email: String
        var scopes: [String]
    }

    /// A plain metadata value, typed as the real server types it (google-auth refuses an answer
    /// without a Content-Type).
    static func metadataText(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [HTTPField.Name("Metadata-Flavor")!: "Google", .contentType: "application/text"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    static func withoutMetadataFlavor(_ request: Request) -> Response? {
        guard request.headers[HTTPField.Name("Metadata-Flavor")!] != "Google" else { return nil }
        return Response(
            status: .forbidden,
            body: ResponseBody(byteBuffer: ByteBuffer(string: "Missing Metadata-Flavor:Google header."))
        )
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("token") { request, context in
            let form = try await FormBody.read(request)
            let tokenURL = "http://\(request.head.authority ?? "")/token"
            do {
                let (token, expiresIn) = try await state.exchange(
                    grantType: form["grant_type"],
                    assertion: form["assertion"],
                    tokenURL: tokenURL
                )
                return try JSONResponse.make(TokenResponse(access_token: token, expires_in: expiresIn))
            } catch let error as OAuthError {
                return try JSONResponse.make(error, status: .badRequest)
            }
        }
        router.get("computeMetadata/v1/instance/service-accounts/default/token") { request, _ in
            if let refusal = Self.withoutMetadataFlavor(request) { return refusal }
            let (token, expiresIn) = await state.issueAccessToken()
            var response = try JSONResponse.make(TokenResponse(access_token: token, expires_in: expiresIn))
            response.headers[HTTPField.Name("Metadata-Flavor")!] = "Google"
            return response
        }
        // contract §7.3: an OIDC ID token for the instance's service account, as plain text; signed
        // with the same key as push tokens, so a push endpoint can be tested with it.
        router.get("computeMetadata/v1/instance/service-accounts/default/identity") { request, _ in
            if let refusal = Self.withoutMetadataFlavor(request) { return refusal }
            guard let audience = request.query("audience"), !audience.isEmpty else {
                return Response(
                    status: .badRequest,
                    body: ResponseBody(byteBuffer: ByteBuffer(string: "audience is required."))
                )
            }
            let token = try await state.pushToken(audience: audience, email: state.identity.serviceAccountEmail)
            var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: token)))
            response.headers[HTTPField.Name("Metadata-Flavor")!] = "Google"
            return response
        }
        router.get("computeMetadata/v1/project/project-id") { request, _ in
            if let refusal = Self.withoutMetadataFlavor(request) { return refusal }
            return Self.metadataText(state.identity.projectID)
        }
        // google-auth's compute_engine.Credentials reads the account's email and scopes first.
        // (Hummingbird's router takes `…/default/`, which google-auth asks for, as this path.)
        do {
            router.get("computeMetadata/v1/instance/service-accounts/default") { request, _ in
                if let refusal = Self.withoutMetadataFlavor(request) { return refusal }
                guard request.query("recursive") == "true" else {
                    return Self.metadataText("aliases\nemail\nidentity\nscopes\ntoken\n")
                }
                var response = try JSONResponse.make(
                    ServiceAccountInfo(
                        aliases: ["default"],
                        email: state.identity.serviceAccountEmail,
                        scopes: [Self.cloudPlatformScope]
                    )
                )
                response.headers[HTTPField.Name("Metadata-Flavor")!] = "Google"
                return response
            }
        }
        router.get("computeMetadata/v1/instance/service-accounts/default/email") { request, _ in
            if let refusal = Self.withoutMetadataFlavor(request) { return refusal }
            return Self.metadataText(state.identity.serviceAccountEmail)
        }
        router.get("computeMetadata/v1/instance/service-accounts/default/scopes") { request, _ in
            if let refusal = Self.withoutMetadataFlavor(request) { return refusal }
            return Self.metadataText(Self.cloudPlatformScope + "\n")
        }
        // Marketplace's sign-up keys, and the service account's own (its key file's
        // client_x509_cert_url): as Google publishes them, an x509 {kid: PEM} map and a JWK set.
        @Sendable func key(_ context: BasicRequestContext) throws -> SigningKey {
            switch context.parameters.get("account") {
            case "cloud-commerce-partner@system.gserviceaccount.com": return state.identity.signup
            case state.identity.serviceAccountEmail: return state.identity.serviceAccount
            default: throw GoogleAPIError.notFound("No such key set.")
            }
        }
        router.get("robot/v1/metadata/x509/:account") { _, context in
            let key = try key(context)
            return try cacheable(JSONResponse.make([key.kid: key.certificatePEM]))
        }
        // Gemini Enterprise's statement signer, at the URL that is also its issuer: every key it
        // publishes (two while one is rotated).
        router.get("service_accounts/v1/metadata/x509/:account") { _, context in
            guard context.parameters.get("account") == "cloud-agentspace@system.gserviceaccount.com" else {
                throw GoogleAPIError.notFound("No such key set.")
            }
            let keys = await state.agentspaceKeys
            return try cacheable(
                JSONResponse.make(Dictionary(uniqueKeysWithValues: keys.map { ($0.kid, $0.certificatePEM) }))
            )
        }
        router.post("emulator/v1/entitlements/:id/software-statement") { request, context in
            let body = try await RequestDecoding.decode(SoftwareStatementRequest.self, from: request)
            let statement = try await state.softwareStatement(entitlementID: context.parameters.get("id") ?? "", body)
            return try JSONResponse.make(EmulatorSoftwareStatement(softwareStatement: statement))
        }
        router.post("emulator/v1/entitlements/:id/register-agent") { request, context in
            let body = try await RequestDecoding.decode(AgentRegistrationRequest.self, from: request)
            let answer = try await GeminiEnterprise(state: state).register(
                entitlementID: context.parameters.get("id") ?? "",
                body
            )
            return try JSONResponse.make(answer)
        }
        router.post("emulator/v1/agentspace/keys/rotate") { _, _ in
            try JSONResponse.make(["kid": try await state.rotateAgentspaceKey()])
        }
        router.get("service_accounts/v1/jwk/:account") { _, context in
            try cacheable(JSONResponse.make(try Self.jwks(try key(context))))
        }
        // contract §6: push tokens verify against Google's OAuth2 certificates, published as a
        // {kid: PEM} map (v1, what google-auth reads) and as a JWK set (v3).
        router.get("oauth2/v1/certs") { _, _ in
            let key = state.identity.oidc
            return try cacheable(JSONResponse.make([key.kid: key.certificatePEM]))
        }
        router.get("oauth2/v3/certs") { _, _ in try cacheable(JSONResponse.make(try Self.jwks(state.identity.oidc))) }
        router.post("emulator/v1/accounts/:id/signup-token") { request, context in
            let id = context.parameters.get("id") ?? ""
            _ = try await state.account(id)
            let overrides = try await RequestDecoding.decode(SignupTokenOverrides.self, from: request)
            let token = try await state.signupToken(accountID: id, overrides: overrides)
            return try JSONResponse.make(EmulatorSignupToken(token: token, signupURL: signupURL))
        }
    }
}

/// Google's key maps are cached by clients for as long as `max-age` says (Entitle's
/// `GoogleCertificateCache` honours it).
private func cacheable(_ response: Response) -> Response {
    var response = response
    response.headers[.cacheControl] = "public, max-age=3600, must-revalidate, no-transform"
    return response
}

extension Data {
    fileprivate var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Google's APIs need `Authorization: Bearer <token>` (contract §3.4: 401 UNAUTHENTICATED).
/// Applies to Google's API paths (`/v1/…`) only; the control API, token endpoint and key maps are open.
struct GoogleAuthMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let state: EmulatorState
    let required: Bool

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard required, request.uri.path.hasPrefix("/v1/") else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw GoogleAPIError.unauthenticated(
                "Request is missing required authentication credential. Expected OAuth 2 access token."
            )
        }
        let token = String(header.dropFirst("Bearer ".count))
        var valid = await state.isValidAccessToken(token)
        if !valid { valid = await state.isValidSelfSignedJWT(token) }
        guard valid else {
            throw GoogleAPIError.unauthenticated(
                "Request had invalid authentication credentials. Expected OAuth 2 access token."
            )
        }
        return try await next(request, context)
    }
}
