import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Rotating `agentSecretKey`: Gemini Enterprise is given the same client throughout, the leader
/// seals every client again with the new key, and then the old key can go.
extension AgentRegistrationTests {
    static let newSealKey = "e41b7c9d02a6f853c17e9b4d2a0f68c3b5d9e712"

    @Test(
        "rotating agentSecretKey: the same pair before, during and after; resealed with the new key, the old one can go"
    )
    func rotation() async throws {
        try await Self.withAgentParts { provider, token, path, running in
            let (purchase, first) = try await EntitleHarness.withEntitle(running, storePath: path) {
                Self.agentSettings(&$0, provider: provider, token: token)
            } _: { entitle in
                let purchase = try await Self.activeAgent(running, entitle)
                let reply = try await Self.register(entitle, running, purchase.entitlementId)
                return (purchase, try reply.decode(Registered.self))
            }
            try await EntitleHarness.withEntitle(running, storePath: path, createSubscription: false) {
                Self.agentSettings(&$0, provider: provider, token: token)
                $0.agentSecretKey = Self.newSealKey
                $0.agentSecretKeyPrevious = Self.sealKey
            } _: { entitle in
                let during = try await Self.register(entitle, running, purchase.entitlementId)
                #expect(try during.decode(Registered.self).client_secret == first.client_secret, "\(during)")
                let seal = CredentialSeal(secrets: [Self.newSealKey])
                let resealed = try await eventually(within: .seconds(20)) {
                    let stored = try await entitle.store.agentClient(clientID: first.client_id)
                    return stored?.sealedCredentials.map(seal.isCurrent) == true
                }
                #expect(resealed, "the leader seals the client again with the new key")
            }
            try await EntitleHarness.withEntitle(running, storePath: path, createSubscription: false) {
                Self.agentSettings(&$0, provider: provider, token: token)
                $0.agentSecretKey = Self.newSealKey
            } _: { entitle in
                let after = try await Self.register(entitle, running, purchase.entitlementId)
                let pair = try after.decode(Registered.self)
                #expect(pair.client_id == first.client_id && pair.client_secret == first.client_secret)
            }
        }
    }
}

/// The emulator playing Gemini Enterprise against a running Entitle.
extension AgentRegistrationTests {
    @Test("the emulator adds a bought agent to Gemini Enterprise: its control call and its buyer page register it")
    func emulatorRegisters() async throws {
        try await Self.withAgentDeployment { running, entitle, provider, _ in
            let purchase = try await Self.activeAgent(running, entitle)
            let target = entitle.baseURL.appendingPathComponent(Self.path).absoluteString
            let answer = try await running.control.registerAgent(
                entitlement: purchase.entitlementId,
                AgentRegistrationRequest(targetURL: target, audience: Self.audience)
            )
            let clientID = try #require(answer.clientID, "\(answer)")
            let atProvider = try await provider.client(clientID)
            #expect(answer.status == 201 && atProvider != nil)

            let page = JSONHTTPClient(baseURL: running.baseURL)
            let home = try await page.get("emulator")
            #expect(home.text.contains("/emulator/entitlements/\(purchase.entitlementId)/add-agent"))
            let form =
                "targetURL=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                + "&audience=\(Self.audience.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
            let added = try await page.send(
                "POST",
                "emulator/entitlements/\(purchase.entitlementId)/add-agent",
                raw: Data(form.utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded"]
            )
            #expect(added.status == 200 && added.text.contains("Registered: client \(clientID)."), "\(added)")
        }
    }
}

/// The identity provider away: nothing is half-made, and asking again later works.
extension AgentRegistrationTests {
    @Test(
        "the identity provider unreachable: 503 with Retry-After, no claim left behind; back, the same order registers"
    )
    func providerAway() async throws {
        try await Self.withAgentParts { provider, token, path, running in
            let purchase = try await EntitleHarness.withEntitle(running, storePath: path) {
                Self.agentSettings(&$0, provider: provider, token: token)
                $0.agentRegistrarURL = "http://127.0.0.1:9/register"
            } _: { entitle in
                let purchase = try await Self.activeAgent(running, entitle)
                let reply = try await Self.register(entitle, running, purchase.entitlementId)
                #expect(reply.status == 503 && reply.headers["retry-after"] != nil, "\(reply)")
                #expect(Self.refusal(reply)?.error == "temporarily_unavailable")
                let left = try await entitle.store.agentClient(EntitlementID(purchase.entitlementId))
                #expect(left == nil, "the claim was given up: \(String(describing: left))")
                return purchase
            }
            try await EntitleHarness.withEntitle(running, storePath: path, createSubscription: false) {
                Self.agentSettings(&$0, provider: provider, token: token)
            } _: { entitle in
                let reply = try await Self.register(entitle, running, purchase.entitlementId)
                #expect(reply.status == 201, "\(reply)")
            }
        }
    }
}
