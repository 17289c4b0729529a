import Foundation
import MarketplaceCore

/// The settings page's rows: every setting's effective value, secrets masked (whether a token is
/// set and nothing of it, not even its last characters; a URL's password and path cut), so the page
/// can be shown on a screen.
enum ConsoleSettingsView {
    /// The settings `SettingsCatalog` marks secret.
    static var secrets: Set<String> { SettingsCatalog.secretKeys }

    static func rows(_ configuration: EntitleConfiguration) -> [(String, String)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(configuration),
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else {
            return []
        }
        let secrets = Self.secrets
        return object.keys.sorted().map { key in
            let value = object[key] ?? .null
            switch key {
            case _ where secrets.contains(key) && !value.members.isEmpty:
                return (
                    key,
                    value.members.keys.sorted().map { "\($0): \(mask(value.members[$0] ?? .null))" }.joined(
                        separator: ", "
                    )
                )
            case _ where secrets.contains(key): return (key, mask(value))
            case "storeURL", "callbackURL": return (key, maskURL(value))
            default: return (key, text(value, encoder))
            }
        }
    }

    static func mask(_ value: JSONValue) -> String {
        switch value {
        case .string(let text) where !text.isEmpty: return "•••• (set)"
        case .object(let app):
            // A scoped app key: how many keys, and what they may do, which is not secret.
            guard case .array(let keys) = app["keys"] ?? .null else { return "(not set)" }
            var parts = ["\(keys.count) key\(keys.count == 1 ? "" : "s") ••••"]
            for field in ["permissions", "products"] {
                guard case .array(let values) = app[field] ?? .null else { continue }
                let names = values.compactMap { if case .string(let name) = $0 { name } else { nil } }
                parts.append("\(field) " + names.joined(separator: " "))
            }
            return parts.joined(separator: "; ")
        default: return "(not set)"
        }
    }

    static func maskURL(_ value: JSONValue) -> String {
        guard case .string(let text) = value else { return "(not set)" }
        guard var components = URLComponents(string: text), components.scheme != nil else { return text }
        if components.password != nil { components.password = "••••" }
        if components.host?.hasSuffix("slack.com") == true { components.path = "/••••" }
        return components.string ?? text
    }

    private static func text(_ value: JSONValue, _ encoder: JSONEncoder) -> String {
        switch value {
        case .string(let text): text
        case .null: "(not set)"
        default: (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }
}
