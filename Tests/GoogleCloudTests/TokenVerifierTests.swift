import EntitleTestSupport
import Foundation
import GoogleCloud
import JWTKit
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `MarketplaceTokenVerifier` (contract §4.3) against sign-up tokens from the emulator, and
/// every kind of bad token refused with its own error.
@Suite(.paced) struct TokenVerifierTests {
    struct SignupToken: Decodable {
        var token: String
    }

    private func token(
        _ running: RunningEmulator,
        account: String,
        _ overrides: [String: AnyCodable] = [:]
    ) async throws -> String {
        try await running.http.post("emulator/v1/accounts/\(account)/signup-token", overrides).decode(SignupToken.self)
            .token
    }

    private func verifier(
        _ running: RunningEmulator,
        audiences: Set<String> = ["localhost"],
        cache: GoogleCertificateCache? = nil
    )
        -> MarketplaceTokenVerifier
    {
        let certificates =
            cache ?? GoogleCertificateCache(url: GoogleEndpoints.emulator(at: running.baseURL).signupCertificates)
        return MarketplaceTokenVerifier(audiences: audiences, certificates: certificates)
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func decodePart(_ part: Substring) throws -> [String: AnyCodable] {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        return try JSONDecoder().decode([String: AnyCodable].self, from: try #require(Data(base64Encoded: text)))
    }

    /// `token` with its header changed by `change`, signature kept.
    private static func withHeader(_ token: String, _ change: (inout [String: AnyCodable]) -> Void) throws -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        var header = try decodePart(parts[0])
        change(&header)
        return [base64URL(try JSONEncoder().encode(header)), String(parts[1]), String(parts[2])].joined(separator: ".")
    }

    @Test("a sign-up token from the emulator verifies, with the account, user identity, roles and orders")
    func valid() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let purchase = try await clients.buy()
            let claims = try await verifier(running).verify(try await token(running, account: purchase.accountId))
            #expect(
                claims.accountID == purchase.account && claims.roles == ["account_admin"]
                    && claims.userIdentity?.isEmpty == false
            )
            let orderID = try await clients.procurement.entitlement(purchase.entitlement).orderId
            #expect(claims.orders == [try #require(orderID)])
        }
    }

    @Test(
        "google's claims are read in each shape Google may send; one it does not expect empties that claim only",
        arguments: [
            (
                "roles as a list", SignupTokenOverrides(roles: ["account_admin", "billing_viewer"]),
                ["account_admin", "billing_viewer"], ["O-1"]
            ),
            ("roles as a string", SignupTokenOverrides(roles: "project_editor"), ["project_editor"], ["O-1"]),
            ("roles as a number", SignupTokenOverrides(roles: 7), [], ["O-1"]),
            (
                "orders as objects", SignupTokenOverrides(orders: [["orderId": "O-2"], ["id": "O-3", "x": true]]),
                ["account_admin"], ["O-2", "O-3"]
            ),
            (
                "orders by name", SignupTokenOverrides(orders: [["name": "projects/p/orders/O-4"]]), ["account_admin"],
                ["O-4"]
            ),
            ("orders as one string", SignupTokenOverrides(orders: "O-5"), ["account_admin"], ["O-5"]),
            ("orders of another shape", SignupTokenOverrides(orders: ["a": ["b": 1]]), ["account_admin"], []),
            (
                "unknown claims", SignupTokenOverrides(orders: ["O-1"], googleExtras: ["tier": ["gold"], "n": 1]),
                ["account_admin"], ["O-1"]
            ),
        ] as [(String, SignupTokenOverrides, [String], [String])]
    )
    func claimShapes(shape: String, overrides: SignupTokenOverrides, roles: [String], orders: [String]) async throws {
        try await EmulatorHarness.withEmulator { running in
            let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
            var overrides = overrides
            if overrides.orders == nil { overrides.orders = ["O-1"] }
            overrides.userIdentity = "person-2"
            let token = try await running.control.signupToken(account: purchase.accountId, overrides: overrides)
            let claims = try await verifier(running).verify(token.token)
            #expect(claims.accountID.rawValue == purchase.accountId, "\(shape)")
            #expect(
                claims.userIdentity == "person-2" && claims.roles == roles && claims.orders == orders,
                "\(shape): \(claims)"
            )
        }
    }

    @Test(
        "bad tokens are each refused with their own error",
        arguments: [
            "expired", "not yet valid", "wrong audience", "wrong issuer", "no subject", "unknown kid",
            "tampered payload",
            "alg none", "HS256 with the public key as secret", "another certificate URL", "embedded key", "garbage",
        ]
    )
    func refused(kind: String) async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let account = try await clients.buy().accountId
            let now = Int(Date().timeIntervalSince1970)
            let good = try await token(running, account: account)
            let parts = good.split(separator: ".").map(String.init)
            let forged: String
            let expected: TokenVerificationError
            switch kind {
            case "expired":
                forged = try await token(
                    running,
                    account: account,
                    ["issuedAt": .int(now - 900), "expiresAt": .int(now - 600)]
                )
                expected = .expired
            case "not yet valid":
                forged = try await token(
                    running,
                    account: account,
                    ["issuedAt": .int(now + 600), "expiresAt": .int(now + 900)]
                )
                expected = .notYetValid
            case "wrong audience":
                forged = try await token(running, account: account, ["audience": .string("evil.example.com")])
                expected = .wrongAudience(["evil.example.com"])
            case "wrong issuer":
                forged = try await token(
                    running,
                    account: account,
                    ["issuer": .string("https://evil.example.com/certs")]
                )
                expected = .wrongIssuer("https://evil.example.com/certs")
            case "no subject":
                forged = try await token(running, account: account, ["subject": .string("")])
                expected = .missingSubject
            case "unknown kid":
                forged = try Self.withHeader(good) { $0["kid"] = .string("not-a-google-key") }
                expected = .unknownKey("not-a-google-key")
            case "tampered payload":
                var payload = try Self.decodePart(Substring(parts[1]))
                payload["sub"] = .string("someone-else")
                forged = [parts[0], Self.base64URL(try JSONEncoder().encode(payload)), parts[2]].joined(separator: ".")
                expected = .badSignature
            case "alg none":
                let header = Self.base64URL(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
                forged = [header, parts[1], ""].joined(separator: ".")
                expected = .unsupportedAlgorithm("none")
            case "HS256 with the public key as secret":
                let map = try await running.http.anonymous.get(GoogleEndpoints.signupCertificatePath).decode(
                    [String: String].self
                )
                let (kid, pem) = try #require(map.first)
                let keys = JWTKeyCollection()
                await keys.add(hmac: HMACKey(from: pem), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
                struct Claims: JWTPayload {
                    var iss: String
                    var aud: String
                    var sub: String
                    var exp: Int
                    func verify(using algorithm: some JWTAlgorithm) throws {}
                }
                forged = try await keys.sign(
                    Claims(iss: MarketplaceTokenVerifier.issuer, aud: "localhost", sub: account, exp: now + 300),
                    kid: JWKIdentifier(string: kid)
                )
                expected = .unsupportedAlgorithm("HS256")
            case "another certificate URL":
                forged = try Self.withHeader(good) { $0["jku"] = .string("https://evil.example.com/keys.json") }
                expected = .embeddedKeyReference("jku")
            case "embedded key":
                forged = try Self.withHeader(good) { $0["x5c"] = .array([.string("MIIB…")]) }
                expected = .embeddedKeyReference("x5c")
            default:
                forged = "not.a.token"
                expected = .malformed("the header is not JSON")
            }
            let error = await #expect(throws: TokenVerificationError.self) {
                try await verifier(running).verify(forged)
            }
            #expect(error == expected)
        }
    }

    @Test(
        "certificates are fetched once while max-age holds, again for an unknown kid, but no more often than the rate limit"
    )
    func certificateCaching() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let account = try await clients.buy().accountId
            // Tokens first, so that only verification (no HTTP but the key fetches) runs in the timed part.
            var tokens: [String] = []
            for _ in 0..<5 { tokens.append(try await token(running, account: account)) }
            let unknown = try Self.withHeader(tokens[0]) { $0["kid"] = .string("rotated-in") }
            let cache = GoogleCertificateCache(
                url: GoogleEndpoints.emulator(at: running.baseURL).signupCertificates,
                unknownKeyRefreshInterval: .seconds(2)
            )
            let verifier = verifier(running, cache: cache)
            for token in tokens { _ = try await verifier.verify(token) }
            #expect(await cache.fetches == 1, "max-age=3600 holds")
            for _ in 0..<5 { _ = try? await verifier.verify(unknown) }
            #expect(await cache.fetches == 1, "the keys were fetched moments ago: an unknown kid does not refetch yet")
            try await Task.sleep(for: .milliseconds(2100))
            for _ in 0..<5 { _ = try? await verifier.verify(unknown) }
            #expect(await cache.fetches == 2, "one refresh for the unknown kid, then rate-limited again")
        }
    }
}

/// A JSON value for building and taking apart token parts in tests.
enum AnyCodable: Codable, Hashable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([AnyCodable])
    case object([String: AnyCodable])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([AnyCodable].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: AnyCodable].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
