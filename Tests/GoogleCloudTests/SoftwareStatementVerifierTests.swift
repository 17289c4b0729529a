import Crypto
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `SoftwareStatementVerifier` against the statements the emulator signs as Gemini Enterprise:
/// a good one verifies with its account, order and redirect URIs; each bad one is refused with its
/// own reason; a rotated key is fetched when a statement names it.
@Suite(.paced) struct SoftwareStatementVerifierTests {
    static let audience = "https://agent.vendor.example.com"

    private func verifier(
        _ running: RunningEmulator,
        refreshAfter: Duration = .seconds(60)
    ) -> SoftwareStatementVerifier {
        SoftwareStatementVerifier(
            audiences: [Self.audience],
            certificates: GoogleCertificateCache(
                url: GoogleEndpoints.emulator(at: running.baseURL).agentspaceCertificates,
                unknownKeyRefreshInterval: refreshAfter
            )
        )
    }

    private func statement(
        _ running: RunningEmulator,
        _ entitlement: String,
        _ request: SoftwareStatementRequest = SoftwareStatementRequest(audience: audience)
    ) async throws -> String {
        try await running.control.softwareStatement(entitlement: entitlement, request).softwareStatement
    }

    @Test("a statement from the emulator verifies: the account, the order, Gemini Enterprise's redirect URI")
    func valid() async throws {
        try await EmulatorHarness.withEmulator { running in
            let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
            let claims = try await verifier(running).verify(try await statement(running, purchase.entitlementId))
            let order = try #require(try await running.control.state().entitlements.first?.orderId)
            #expect(claims.accountID.rawValue == purchase.accountId && claims.order == order)
            #expect(claims.redirectURIs == ["https://vertexaisearch.cloud.google.com/oauth-redirect"])
        }
    }

    @Test(
        "each bad statement is refused with its reason",
        arguments: ["audience", "issuer", "expired", "long-lived", "no order", "no subject"]
    )
    func refused(_ case: String) async throws {
        try await EmulatorHarness.withEmulator { running in
            let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
            let now = Int(Date().timeIntervalSince1970)
            var request = SoftwareStatementRequest(audience: Self.audience)
            switch `case` {
            case "audience": request.audience = "https://other-vendor.example.com"
            case "issuer":
                request.issuer =
                    MarketplaceTokenVerifier.issuer
            case "expired": (request.issuedAt, request.expiresAt) = (now - 900, now - 600)
            case "long-lived": (request.issuedAt, request.expiresAt) = (now, now + 86_400)
            case "no order": request.order = ""
            default: request.subject = ""
            }
            let forged = try await statement(running, purchase.entitlementId, request)
            let expected: [String: (TokenVerificationError) -> Bool] = [
                "audience": { if case .wrongAudience = $0 { true } else { false } },
                "issuer": { if case .wrongIssuer = $0 { true } else { false } },
                "expired": { $0 == .expired },
                "no subject": { $0 == .missingSubject },
            ]
            do {
                _ = try await verifier(running).verify(forged)
                Issue.record("\(`case`): accepted")
            } catch {
                let reason = error as? TokenVerificationError
                #expect(reason.map { expected[`case`]?($0) ?? true } == true, "\(`case`): \(error)")
            }
        }
    }

    @Test("a statement signed with an unknown key is refused; after Google rotates, the new key is fetched")
    func rotation() async throws {
        try await EmulatorHarness.withEmulator { running in
            let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
            let verifier = verifier(running, refreshAfter: .zero)
            _ = try await verifier.verify(try await statement(running, purchase.entitlementId))
            let parts = try await statement(running, purchase.entitlementId).split(separator: ".")
            let header = Data(#"{"alg":"RS256","kid":"not-a-google-key","typ":"JWT"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "")
            await #expect(throws: TokenVerificationError.unknownKey("not-a-google-key")) {
                _ = try await verifier.verify([header, String(parts[1]), String(parts[2])].joined(separator: "."))
            }
            let kid = try await running.control.rotateAgentspaceKey()
            let rotated = try await statement(running, purchase.entitlementId)
            let claims = try await verifier.verify(rotated)
            #expect(!claims.order.isEmpty, "signed with the new key \(kid)")
        }
    }

    @Test("another algorithm with Google's kid is refused: none, HS256 keyed with its certificate, RS512")
    func algorithms() async throws {
        try await EmulatorHarness.withEmulator { running in
            let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
            let genuine = try await statement(running, purchase.entitlementId).split(separator: ".").map(String.init)
            let header = try JSONSerialization.jsonObject(with: try #require(Self.data(base64URL: genuine[0])))
            let kid = try #require((header as? [String: Any])?["kid"] as? String)
            for alg in ["none", "HS256", "RS512"] {
                let forged = Data(#"{"alg":"\#(alg)","kid":"\#(kid)","typ":"JWT"}"#.utf8).base64EncodedString()
                    .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_")
                var signature = alg == "none" ? "" : genuine[2]
                if alg == "HS256" {
                    // The confusion attack: an HMAC keyed with the public certificate Google publishes.
                    let pem = try #require(try await Self.certificates(running)[kid])
                    let mac = HMAC<SHA256>.authenticationCode(
                        for: Data("\(forged).\(genuine[1])".utf8),
                        using: SymmetricKey(data: Data(pem.utf8))
                    )
                    signature = Data(mac).base64EncodedString().replacingOccurrences(of: "=", with: "")
                        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                }
                let token = [forged, genuine[1], signature].joined(separator: ".")
                await #expect(throws: TokenVerificationError.self, "\(alg)") {
                    _ = try await verifier(running).verify(token)
                }
            }
        }
    }

    /// The agentspace key map the emulator publishes: kid → PEM certificate.
    static func certificates(_ running: RunningEmulator) async throws -> [String: String] {
        let path = GoogleEndpoints.agentspaceCertificatePath
        let reply = try await JSONHTTPClient(baseURL: running.baseURL).get(path)
        return try reply.decode([String: String].self)
    }

    static func data(base64URL text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
