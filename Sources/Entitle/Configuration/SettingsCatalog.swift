import EntitleStore
import Foundation
import MarketplaceCore

/// Every setting of `entitle serve`, once, grouped by concern. Rules between settings (a callback
/// URL needs a secret, redirect sign-up needs an app key) are in `EntitleConfiguration+Validation`.
public enum SettingsCatalog {
    public static var all: [Setting] {
        http + google + store + logging + notifications + signup + callbacks + usage + agents + console + retention
    }

    /// The settings whose values are secrets, by file key (masked on the console, never logged).
    public static var secretKeys: Set<String> { Set(all.filter(\.isSecret).compactMap(\.key)) }

    /// The reference table of docs/configuration.md, one table per group.
    public static func markdown() -> String {
        Setting.Group.allCases.map { group in
            let rows = all.filter { $0.group == group }.map { setting in
                let key = setting.key.map { "`\($0)`" } ?? "—"
                let environment = setting.environment.map { "`\($0)`" } ?? "(file only)"
                let secret = setting.isSecret ? " (a secret)" : ""
                let cells = [key, environment, setting.defaultText, setting.allowedText, setting.summary + secret]
                return "| " + cells.joined(separator: " | ") + " |"
            }
            let columns = "| file key | environment | default | allowed | meaning |"
            let header = ["### \(group.rawValue)", "", columns, "|---|---|---|---|---|"]
            return (header + rows).joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// README's table: every environment variable by concern, each described in the reference.
    public static func index() -> String {
        let rows = Setting.Group.allCases.map { group in
            let names = all.filter { $0.group == group }.compactMap(\.environment).map { "`\($0)`" }
            return "| \(group.rawValue) | \(names.joined(separator: ", ")) |"
        }
        return (["| concern | environment variables |", "|---|---|"] + rows).joined(separator: "\n")
    }
}
