import Foundation
import MarketplaceCore
import Testing

/// Which orders may have a Gemini Enterprise client, and which redirect URIs a client may have.
@Suite struct AgentRegistrationRulesTests {
    let rules = AgentRegistrationRules(agentProducts: ["agent.example.com"])
    let account = LocalAccount(id: try! AccountID("A-1"), signupApproval: .approved, isSignedUp: true)

    func order(
        _ state: EntitlementState? = .active,
        product: String? = "agent.example.com",
        deleted: Bool = false
    ) -> LocalEntitlement {
        LocalEntitlement(
            id: try! EntitlementID("E-1"),
            accountID: try! AccountID("A-1"),
            resource: Entitlement(productExternalName: product, state: state, orderId: "O-1"),
            isDeleted: deleted
        )
    }

    @Test("an agent order in service on an approved account may have a client, in each in-service state")
    func allowed() {
        for state in [EntitlementState.active, .pendingCancellation, .pendingPlanChange, .pendingPlanChangeApproval] {
            #expect(rules.refusal(order: "O-1", entitlement: order(state), account: account) == nil, "\(state)")
        }
    }

    @Test(
        "refused: unknown, deleted, another product, not in service, the account not approved, erased or unknown",
        arguments: [
            "unknown", "deleted", "product", "cancelled", "suspended", "requested", "pending", "erased", "no account",
        ]
    )
    func refused(_ reason: String) {
        var entitlement: LocalEntitlement? = order()
        var account: LocalAccount? = account
        switch reason {
        case "unknown": entitlement = nil
        case "deleted": entitlement = order(deleted: true)
        case "product": entitlement = order(product: "saas.example.com")
        case "cancelled": entitlement = order(.cancelled)
        case "suspended": entitlement = order(.suspended)
        case "requested": entitlement = order(.activationRequested)
        case "pending": account?.signupApproval = .pending
        case "erased": account?.isErased = true
        default: account = nil
        }
        let refusal = rules.refusal(order: "O-1", entitlement: entitlement, account: account)
        #expect(refusal?.error == "unapproved_software_statement", "\(reason): \(String(describing: refusal))")
    }

    @Test("google.order is the entitlement id or its orderId, with or without orders/")
    func orderNames() {
        let all = [order()]
        for name in ["E-1", "O-1", "orders/O-1"] {
            #expect(AgentRegistrationRules.entitlement(forOrder: name, among: all)?.id.rawValue == "E-1", "\(name)")
        }
        #expect(AgentRegistrationRules.entitlement(forOrder: "O-2", among: all) == nil)
    }

    @Test("redirect URIs: https with a host, no fragment, no user; one to ten of them")
    func redirects() {
        #expect(
            AgentRegistrationRules.redirectProblem(["https://vertexaisearch.cloud.google.com/oauth-redirect"]) == nil
        )
        #expect(
            AgentRegistrationRules.redirectProblem(["https://a.example.com/cb?x=1", "https://b.example.com"]) == nil
        )
        for bad in [
            [], ["http://a.example.com/cb"], ["https:///cb"], ["https://a.example.com/cb#frag"],
            ["https://user@a.example.com/cb"], ["not a url"], Array(repeating: "https://a.example.com", count: 11),
            ["https://a.example.com/" + String(repeating: "x", count: 2001)],
        ] {
            #expect(AgentRegistrationRules.redirectProblem(bad)?.error == "invalid_redirect_uri", "\(bad.prefix(1))")
        }
    }
}
