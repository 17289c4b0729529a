public import Foundation

/// How an agent's A2A Agent Card tells Gemini Enterprise where to register itself for each order
/// (Dynamic Client Registration): an entry of `capabilities.extensions` with Marketplace's
/// extension URI and the vendor's `target_url`; the card's `provider.url` is the audience of the
/// software statements Gemini Enterprise then sends. `entitle agent-card` prints the entry and
/// checks a card against it.
public struct AgentCardRegistration: Hashable, Sendable {
    /// The extension's URI, as Google's agent setup guide names it.
    public static let extensionURI = "https://cloud.google.com/marketplace/docs/partners/ai-agents/setup-dcr"

    /// The card's `provider.url`: the statements' `aud`.
    public var providerURL: String
    /// Where Gemini Enterprise POSTs `{"software_statement": …}`.
    public var targetURL: String

    public init(providerURL: String, targetURL: String) {
        self.providerURL = providerURL
        self.targetURL = targetURL
    }

    /// The `capabilities.extensions[]` entry, as JSON.
    public var extensionEntry: JSONValue {
        ["uri": .string(Self.extensionURI), "params": ["target_url": .string(targetURL)]]
    }

    /// What is wrong with these URLs, or with `card` (an Agent Card's JSON) for them; empty when
    /// nothing is.
    public func problems(card: Data? = nil) -> [String] {
        var problems: [String] = []
        for (name, value) in [("provider URL", providerURL), ("target URL", targetURL)] {
            let url = URLComponents(string: value)
            if url?.scheme?.lowercased() != "https" || (url?.host ?? "").isEmpty {
                problems.append("the \(name) \(value) is not an https URL with a host")
            }
        }
        guard let card else { return problems }
        guard let object = try? JSONDecoder().decode(JSONValue.self, from: card), case .object = object else {
            return problems + ["the card is not a JSON object"]
        }
        if Self.field(Self.field(object, "provider"), "url") != .string(providerURL) {
            problems.append("the card's provider.url is not \(providerURL) (the statements' audience)")
        }
        guard case .array(let extensions)? = Self.field(Self.field(object, "capabilities"), "extensions") else {
            return problems + ["the card has no capabilities.extensions: add \(Self.describe(extensionEntry))"]
        }
        guard let entry = extensions.first(where: { Self.field($0, "uri") == .string(Self.extensionURI) }) else {
            return problems + ["no extension \(Self.extensionURI): add \(Self.describe(extensionEntry))"]
        }
        if Self.field(Self.field(entry, "params"), "target_url") != .string(targetURL) {
            problems.append("the extension's params.target_url is not \(targetURL)")
        }
        return problems
    }

    /// `value[key]` when `value` is an object that has it.
    public static func field(_ value: JSONValue?, _ key: String) -> JSONValue? {
        guard case .object(let members)? = value else { return nil }
        return members[key]
    }

    static func describe(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
