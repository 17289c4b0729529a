import Foundation
import MarketplaceCore
import Testing

/// The Agent Card entry that makes Gemini Enterprise register an agent per order, and the checks
/// `entitle agent-card --check` makes of a card.
@Suite struct AgentCardRegistrationTests {
    let registration = AgentCardRegistration(
        providerURL: "https://agent.vendor.example.com",
        targetURL: "https://entitle.vendor.example.com/dcr"
    )

    func card(provider: String = "https://agent.vendor.example.com", extensions: String) -> Data {
        let provider = #""provider": {"organization": "Vendor", "url": "\#(provider)"}"#
        return Data(#"{"name": "Agent", \#(provider), "capabilities": {"extensions": \#(extensions)}}"#.utf8)
    }

    @Test("the entry names Marketplace's extension and the target URL; a card carrying it passes")
    func entry() throws {
        let entry = AgentCardRegistration.field(registration.extensionEntry, "params")
        #expect(AgentCardRegistration.field(entry, "target_url") == "https://entitle.vendor.example.com/dcr")
        let target = #""params": {"target_url": "https://entitle.vendor.example.com/dcr"}"#
        let good = card(
            extensions: #"[{"uri": "urn:other"}, {"uri": "\#(AgentCardRegistration.extensionURI)", \#(target)}]"#
        )
        #expect(registration.problems(card: good).isEmpty, "\(registration.problems(card: good))")
        #expect(registration.problems().isEmpty)
    }

    @Test("each mistake in a card or the URLs is named")
    func mistakes() {
        let target = #""params": {"target_url": "https://elsewhere.example.com/dcr"}"#
        let entry = #"{"uri": "\#(AgentCardRegistration.extensionURI)", \#(target)}"#
        let cases: [(Data?, AgentCardRegistration, String)] = [
            (card(extensions: "[\(entry)]"), registration, "params.target_url"),
            (card(provider: "https://other.example.com", extensions: "[]"), registration, "provider.url"),
            (card(extensions: "[]"), registration, "no extension"),
            (Data("[1]".utf8), registration, "not a JSON object"),
            (
                nil,
                AgentCardRegistration(providerURL: "http://agent.example.com", targetURL: "https://x.example.com/dcr"),
                "https"
            ),
        ]
        for (card, registration, expected) in cases {
            let problems = registration.problems(card: card)
            #expect(problems.contains { $0.contains(expected) }, "\(expected): \(problems)")
        }
    }
}
