import EntitleTestSupport
import Foundation
import JWTKit
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// OAuth2 and sign-up tokens as contract §4 and §7 describe them, over HTTP.
@Suite(.paced) struct IdentityTests {
    struct Assertion: JWTPayload {
        var iss: String
        var scope: String?
        var aud: String
        var iat: Int
        var exp: Int
        var sub: String?

        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    struct Token: Decodable {
        var access_token: String
        var expires_in: Int
        var token_type: String
    }

    struct OAuthFailure: Decodable {
        var error: String
    }

    /// An assertion as google-auth makes it, signed with `pem` (the key file's key unless given).
    private func assertion(
        _ key: ServiceAccountKeyFile,
        pem: String? = nil,
        aud: String = "https://oauth2.googleapis.com/token",
        issuedAt: Int,
        lifetime: Int = 3600,
        scope: String? = "https://www.googleapis.com/auth/cloud-platform",
        selfSigned: Bool = false
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(
            rsa: try Insecure.RSA.PrivateKey(pem: pem ?? key.private_key),
            digestAlgorithm: .sha256,
            kid: JWKIdentifier(string: key.private_key_id)
        )
        return try await keys.sign(
            Assertion(
                iss: key.client_email,
                scope: scope,
                aud: aud,
                iat: issuedAt,
                exp: issuedAt + lifetime,
                sub: selfSigned ? key.client_email : nil
            ),
            kid: JWKIdentifier(string: key.private_key_id)
        )
    }

    private func exchange(
        _ running: RunningEmulator,
        _ assertion: String,
        grant: String = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    ) async throws -> HTTPReply {
        let form =
            "grant_type=\(grant.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&assertion=\(assertion)"
        return try await running.http.anonymous.send(
            "POST",
            "token",
            raw: Data(form.utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"]
        )
    }

    private func emulatorNow(_ running: RunningEmulator) async throws -> Int {
        struct Clock: Decodable { var now: Timestamp }
        return Int(try await running.http.get("emulator/v1/clock").decode(Clock.self).now.seconds)
    }

    // MARK: Tests

    @Test(
        "Google's paths answer 401 UNAUTHENTICATED without a token or with one not issued here; the control API is open"
    )
    func unauthenticated() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let none = try await running.http.anonymous.get(running.entitlements)
            #expect(none.status == 401 && none.googleError?.status == "UNAUTHENTICATED")
            let forged = try await running.http.anonymous.send(
                "GET",
                running.entitlements,
                headers: ["Authorization": "Bearer ya29.forged"]
            )
            #expect(forged.status == 401)
            #expect(try await running.http.get(running.entitlements).status == 200)
            #expect(try await running.http.anonymous.get("emulator/v1/state").status == 200)
        }
    }

    @Test("--no-auth accepts calls without a token")
    func noAuth() async throws {
        try await EmulatorHarness.withEmulator(testOptions { $0.requireAuth = false }) { running in
            let reply = try await running.http.anonymous.get(running.entitlements)
            #expect(reply.status == 200)
        }
    }

    @Test(
        "a JWT-bearer assertion from the key file buys an access token that works; it expires on the emulator's clock"
    )
    func jwtBearerGrant() async throws {
        // A minute, passed by time travel: a loaded machine stalled more than two seconds between
        // buying a two-second token and using it.
        try await EmulatorHarness.withEmulator(testOptions { $0.accessTokenLifetime = 60 }) { running in
            let key = try await running.emulator.serviceAccountKeyFile()
            #expect(key.token_uri == running.baseURL.appendingPathComponent("token").absoluteString)
            #expect(key.private_key.hasPrefix("-----BEGIN PRIVATE KEY-----"))
            let again = try await running.emulator.serviceAccountKeyFile()
            #expect(UInt64(key.client_id) != nil && key.client_id == again.client_id, "a numeric, stable client_id")
            let reply = try await exchange(running, try await assertion(key, issuedAt: try await emulatorNow(running)))
            let token = try reply.decode(Token.self)
            #expect(token.expires_in == 60 && token.token_type == "Bearer" && token.access_token.hasPrefix("ya29."))
            let authorized = ["Authorization": "Bearer \(token.access_token)"]
            #expect(
                try await running.http.anonymous.send("GET", running.entitlements, headers: authorized).status == 200
            )
            try await running.advance("PT61S")
            #expect(
                try await running.http.anonymous.send("GET", running.entitlements, headers: authorized).status == 401
            )
        }
    }

    @Test(
        "a JWT the service account signs itself is a bearer token (contract §7.2); forged, long-lived or foreign ones are not",
        arguments: ["api audience", "scope claim", "other key", "too long-lived", "no subject", "token audience"]
    )
    func selfSignedJWT(kind: String) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let key = try await running.emulator.serviceAccountKeyFile()
            let now = Int(Date().timeIntervalSince1970)
            let api = "https://cloudcommerceprocurement.googleapis.com/"
            let jwt: String
            switch kind {
            case "api audience": jwt = try await assertion(key, aud: api, issuedAt: now, scope: nil, selfSigned: true)
            case "scope claim":
                jwt = try await assertion(key, aud: "https://example.com/", issuedAt: now, selfSigned: true)
            case "other key":
                jwt = try await assertion(key, pem: Self.foreignKey, aud: api, issuedAt: now, selfSigned: true)
            case "too long-lived":
                jwt = try await assertion(key, aud: api, issuedAt: now, lifetime: 7200, selfSigned: true)
            case "no subject": jwt = try await assertion(key, aud: api, issuedAt: now, scope: nil)
            default: jwt = try await assertion(key, issuedAt: now, scope: nil, selfSigned: true)
            }
            let reply = try await running.http.anonymous.send(
                "GET",
                running.entitlements,
                headers: ["Authorization": "Bearer \(jwt)"]
            )
            #expect(reply.status == (["api audience", "scope claim"].contains(kind) ? 200 : 401), "\(reply)")
        }
    }

    @Test("after time travel, an assertion signed on the client's real clock is still exchanged, and its token works")
    func assertionAfterTimeTravel() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.advance("P31D")
            let key = try await running.emulator.serviceAccountKeyFile()
            let reply = try await exchange(
                running,
                try await assertion(key, issuedAt: Int(Date().timeIntervalSince1970))
            )
            #expect(reply.status == 200, "\(reply)")
            let token = try reply.decode(Token.self)
            let authorized = ["Authorization": "Bearer \(token.access_token)"]
            #expect(
                try await running.http.anonymous.send("GET", running.entitlements, headers: authorized).status == 200
            )
        }
    }

    @Test("the token endpoint also accepts its own URL as aud")
    func ownAudience() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let key = try await running.emulator.serviceAccountKeyFile()
            let reply = try await exchange(
                running,
                try await assertion(key, aud: key.token_uri, issuedAt: try await emulatorNow(running))
            )
            #expect(reply.status == 200, "\(reply)")
        }
    }

    @Test(
        "bad assertions are refused with OAuth's error codes",
        arguments: ["wrong audience", "expired", "too long-lived", "other key", "no scope", "wrong grant", "garbage"]
    )
    func badAssertions(kind: String) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let key = try await running.emulator.serviceAccountKeyFile()
            let now = try await emulatorNow(running)
            let reply: HTTPReply
            switch kind {
            case "wrong audience":
                reply = try await exchange(
                    running,
                    try await assertion(key, aud: "https://example.com/token", issuedAt: now)
                )
            case "expired": reply = try await exchange(running, try await assertion(key, issuedAt: now - 7200))
            case "too long-lived":
                reply = try await exchange(running, try await assertion(key, issuedAt: now, lifetime: 7200))
            case "other key":
                reply = try await exchange(running, try await assertion(key, pem: Self.foreignKey, issuedAt: now))
            case "no scope": reply = try await exchange(running, try await assertion(key, issuedAt: now, scope: nil))
            case "wrong grant":
                reply = try await exchange(
                    running,
                    try await assertion(key, issuedAt: now),
                    grant: "client_credentials"
                )
            default: reply = try await exchange(running, "not.a.jwt")
            }
            #expect(reply.status == 400, "\(reply)")
            let expected =
                kind == "wrong grant"
                ? "unsupported_grant_type" : kind == "no scope" ? "invalid_scope" : "invalid_grant"
            #expect(try JSONDecoder().decode(OAuthFailure.self, from: reply.body).error == expected)
        }
    }

    @Test("the metadata server's token path needs Metadata-Flavor: Google")
    func metadataServer() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let path = "computeMetadata/v1/instance/service-accounts/default/token"
            #expect(try await running.http.anonymous.get(path).status == 403)
            let reply = try await running.http.anonymous.send("GET", path, headers: ["Metadata-Flavor": "Google"])
            let token = try reply.decode(Token.self)
            #expect(
                try await running.http.anonymous.send(
                    "GET",
                    running.entitlements,
                    headers: ["Authorization": "Bearer \(token.access_token)"]
                ).status
                    == 200
            )
        }
    }

    @Test(
        "a purchase hands back the sign-up token Marketplace would POST; it verifies against the published x509 key map (contract §4) and the same key as a JWK set"
    )
    func signupToken() async throws {
        try await EmulatorHarness.withEmulator(testOptions { $0.signupAudience = "vendor.example.com" }) { running in
            let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
            #expect(purchase.signupURL == "http://127.0.0.1:8080/signup")
            let certificates = try await running.http.anonymous.get(
                "robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"
            )
            let map = try certificates.decode([String: String].self)
            #expect(map.count == 1 && map.values.first?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
            let keys = JWTKeyCollection()
            for (kid, pem) in map {
                await keys.add(
                    rsa: try Insecure.RSA.PublicKey(certificatePEM: pem),
                    digestAlgorithm: .sha256,
                    kid: JWKIdentifier(string: kid)
                )
            }
            struct Claims: JWTPayload {
                struct Google: Codable {
                    var roles: [String]
                    var user_identity: String
                    var orders: [String]?
                }
                var iss: String
                var aud: String
                var sub: String
                var iat: Int
                var exp: Int
                var google: Google
                func verify(using algorithm: some JWTAlgorithm) throws {}
            }
            let claims = try await keys.verify(purchase.signupToken, as: Claims.self)
            // The same key as a JWK set, where Google also publishes it.
            let jwks = try await running.http.anonymous.get(
                "service_accounts/v1/jwk/cloud-commerce-partner@system.gserviceaccount.com"
            )
            let fromJWKS = JWTKeyCollection()
            try await fromJWKS.add(jwksJSON: jwks.text)
            #expect(
                try await fromJWKS.verify(purchase.signupToken, as: Claims.self).sub == purchase.accountId,
                "verified with the JWK set"
            )
            #expect(try await running.http.anonymous.get("service_accounts/v1/jwk/someone@example.com").status == 404)
            #expect(
                claims.iss
                    == "https://www.googleapis.com/robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"
            )
            #expect(
                claims.aud == "vendor.example.com" && claims.sub == purchase.accountId && claims.exp - claims.iat == 300
            )
            #expect(claims.google.orders == [purchase.entitlement.orderId!] && !claims.google.user_identity.isEmpty)
            let fresh = try await running.http.post("emulator/v1/accounts/\(purchase.accountId)/signup-token")
            #expect(fresh.status == 200)
        }
    }

    /// A throwaway RSA key that the emulator never issued: an assertion signed with it is forged.
    static let foreignKey = """
        -----BEGIN PRIVATE KEY-----
        MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCPxbPKwR8b+B3t
        TOBRbO8HB0pzBIReqm03BOA3XlPSB94ct2kO4RbnOVSOPJ9OYOhSXg+S52dH63De
        amYbrCzsm+RRO11R3mGTZZd5pJGbmI1MYlCm3uy8mCFwr0wIIu0uavHuxBSUrrz8
        tGuCIEWwLqCmjGoilhdQ2oM2Wye/oH8Z2H6dNSojAdndkFC2ibzWNS2gVSWrmRIy
        j9jqcevdcEFSwoJ26F8jpTG2xA+mJUazm07bm5lKJtYaMPnpoibdg1cBjlRmzM+i
        A4cNaDBFyndYP0mX76yy7UOZHBy2yECCbO6Xds7eJK/tEotNcIbGmINgizQAya7k
        DBZZ2OIxAgMBAAECggEAJ2m9RgH3M0WrfpgqjmfchwK6qBk+6Gy0D/coOEWFmPhL
        LXgiNtAB5VVUFsILsgLi7WGXx1/kclTa1j44y7FBh4Oc7Z/mj0D1YuDgy5oPyKXj
        ZmM1VOmb4H+b+zYzE6/vcWAj/p6GPdRBPs1/A2cxc4D0zXOEzQJ0VdfxTH9kwCUo
        ODAspRDLzzdswoXKLEJkv2q/vsUEQ4Nc6JPYL5Ez2xLJh8Hyi1NGtz/epYfYTlN7
        GCAAkUdJj+S36d9cZ8Eo8KHg0OKPO1zOEpxGs5qVezyJFsIaG+Mf24/M2NnSKHfw
        o7EScJpawp93tFQKoyU0ON6VDb/ZLKq6nXkaiVM+2QKBgQDFYRZ4mcvEcylW2ktT
        /8UA9ZUeBx/YhiC4wRZPcSAvVjrqrpTXyCc9H3YkDh8mW9nmWgldhhcCYR1xCueJ
        56aC8jLp4y9HiZ0NK/J5SC5wf2A3jcBz1vfxqlmJINcFPyap4ek3u33HgaTWzBZJ
        FbhBDP4jynrVJoiaJxtMFnyL+wKBgQC6eNSmRRuyzZSSfPMEJrrqiCUwNRU53716
        7fkVm7m01GapDPILRg3oGbEQX+jaf0aYz4JCQDtWQmc+CYMV6Kd5mir8xH8jPHv4
        2B/MFWbCzGZBOdmIWkVVxPSd4HM3S7bGexmy5xNmE16dUFpnOFIO3WKpDM2r4ETL
        x5MPIykmwwKBgCgRZXZmAi+HEUVIWzJaIavoLrVBzP0vfUUELXtDA72YS62Icz66
        qvyFfn4jP7+RtdJFRNFvfwxEmq1wAUDFfc/nSt6f9+EV1oPt//MO7B56PRYJ+J+L
        bBnq8vIbcIroHvktmyJtNUNi1guksoFzn0vVT2IEoJrUj7Z7adcwWWgxAoGAePTO
        A3iKigY+XHM+c6/nySA89zNHrH3MfAQHcZPM91ZbrUafbt6nQKoBp/x+n9S1Z4Qb
        G3xswPxb2erzo++BSyjMv596VNH0HKucnJY5TRynK6Ipz/+2P/d9MTeZpQGw8riB
        KAIqHCluUx7/NTtcRxYl3EBY3SehmInBg60sEV8CgYAlNF+bftT1WZQdmhSmNgbj
        QALG4xeQhWQkBo0YEtOD7GJNUbvH2TZqfi3rEEKwARQnLbk1koJVOjHW49+PKlzH
        6B+tZFL1mKLFP2yDBDciMehPdWdBexM1u7HYXtfiaTSwTH4iNYnKUH5AWt5aV8aW
        XXBY+hyyU+0LLuEe5xm2Pw==
        -----END PRIVATE KEY-----
        """
}
