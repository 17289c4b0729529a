import ArgumentParser
import Foundation
import MarketplaceCore

/// `entitle agent-card`: the `capabilities.extensions` entry an agent's Agent Card needs for
/// Gemini Enterprise to register itself per order, and, with `--check`, whether a card has it.
struct AgentCardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent-card",
        abstract: "Print the Agent Card entry for agent registration (DCR), or check a card against it.",
        discussion: """
            The card's provider.url is the audience of Gemini Enterprise's software statements; the \
            extension's target_url is where it POSTs them. docs/agents.md walks through the flow.
            """
    )

    @Option(help: "The Agent Card's provider.url (the statements' audience).") var providerURL: String
    @Option(help: "Where Gemini Enterprise POSTs the software statement.") var targetURL: String
    @Option(help: "An Agent Card (JSON) to check.") var check: String?

    func run() throws {
        let registration = AgentCardRegistration(providerURL: providerURL, targetURL: targetURL)
        let card = try check.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let problems = registration.problems(card: card)
        guard problems.isEmpty else {
            for problem in problems { print("✘ \(problem)") }
            throw ExitCode.failure
        }
        if let check {
            print("✔ \(check) advertises registration at \(targetURL) for \(providerURL)")
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(registration.extensionEntry), as: UTF8.self))
        }
    }
}
