import Foundation
import MarketplaceCore

/// One setting of `entitle serve`, described once: its file key, environment name, group, default,
/// whether it is a secret, what values it allows, and one line for the reference. The file
/// decoder, the environment mapping, the range checks, the console's masking and
/// docs/configuration.md are all derived from `SettingsCatalog.all`.
public struct Setting {
    /// The concern a setting belongs to: the reference is grouped by it.
    public enum Group: String, CaseIterable, Sendable {
        case http = "HTTP"
        case google = "Google"
        case store = "Store"
        case notifications = "Notifications"
        case signup = "Sign-up and hand-off"
        case callbacks = "Callbacks and notifications to people"
        case usage = "Usage"
        case agents = "Agents"
        case console = "Admin API, console and metrics"
        case retention = "Retention"
        case logging = "Logging"
    }

    /// The file key (`httpPort`); nil for a setting read from the environment only.
    public let key: String?
    /// The environment variable (`ENTITLE_HTTP_PORT`); nil for a setting of the file only.
    public let environment: String?
    public let group: Group
    /// The default as the reference shows it.
    public let defaultText: String
    /// One line for the reference: what it does, and the values it allows.
    public let summary: String
    /// Never logged, masked on the console.
    public let isSecret: Bool
    /// The values it allows, as the reference shows them (empty: any of its type).
    public var allowedText = ""

    let fromFile: (inout EntitleConfiguration, KeyedDecodingContainer<FileKey>) throws -> Void
    let fromEnvironment: (inout EntitleConfiguration, String) throws(ConfigurationError) -> Void
    /// What is wrong with the setting's value in this configuration, or nil.
    let problem: (EntitleConfiguration) -> String?
}

extension Setting {
    /// A key of the settings file.
    public struct FileKey: CodingKey {
        public var stringValue: String
        public var intValue: Int? { nil }
        public init(stringValue: String) { self.stringValue = stringValue }
        public init?(intValue: Int) { nil }
    }

    /// A setting whose value is a `Decodable` the file holds as is.
    static func value<Value: Codable>(
        _ path: WritableKeyPath<EntitleConfiguration, Value>,
        key: String?,
        environment: String?,
        group: Group,
        default defaultText: String,
        secret: Bool = false,
        allowed allowedText: String = "",
        summary: String,
        parse: @escaping (String) throws(ConfigurationError) -> Value = { _ throws(ConfigurationError) in
            throw ConfigurationError(setting: "?", problem: "is read from the file only")
        },
        problem: @escaping (Value) -> String? = { _ in nil }
    ) -> Setting {
        Setting(
            key: key,
            environment: environment,
            group: group,
            defaultText: defaultText,
            summary: summary,
            isSecret: secret,
            allowedText: allowedText,
            fromFile: { configuration, file in
                guard let key else { return }
                let codingKey = FileKey(stringValue: key)
                // An empty string in the file is no setting, as it is in the environment.
                if let text = try? file.decodeIfPresent(String.self, forKey: codingKey), text.isEmpty { return }
                if let value = try file.decodeIfPresent(Value.self, forKey: codingKey) {
                    configuration[keyPath: path] = value
                }
            },
            fromEnvironment: { configuration, text throws(ConfigurationError) in
                configuration[keyPath: path] = try parse(text)
            },
            problem: { configuration in problem(configuration[keyPath: path]) }
        )
    }

    /// Text; unset is nil.
    static func text(
        _ path: WritableKeyPath<EntitleConfiguration, String?>,
        _ key: String,
        _ environment: String?,
        _ group: Group,
        default defaultText: String = "—",
        secret: Bool = false,
        _ summary: String
    ) -> Setting {
        .value(
            path,
            key: key,
            environment: environment,
            group: group,
            default: defaultText,
            secret: secret,
            summary: summary,
            parse: { $0 }
        )
    }

    /// Text with a default, optionally one of `allowed`.
    static func text(
        _ path: WritableKeyPath<EntitleConfiguration, String>,
        _ key: String,
        _ environment: String,
        _ group: Group,
        allowed: [String]? = nil,
        _ summary: String
    ) -> Setting {
        .value(
            path,
            key: key,
            environment: environment,
            group: group,
            default: "`\(EntitleConfiguration()[keyPath: path])`",
            allowed: allowed.map { $0.map { "`\($0)`" }.joined(separator: ", ") } ?? "",
            summary: summary,
            parse: { $0 },
            problem: { value in
                guard let allowed, !allowed.contains(value) else { return nil }
                return "\"\(value)\" is not " + allowed.joined(separator: " or ")
            }
        )
    }

    /// A whole number within `range`.
    static func number<Number: FixedWidthInteger & Codable>(
        _ path: WritableKeyPath<EntitleConfiguration, Number>,
        _ key: String,
        _ environment: String,
        _ group: Group,
        _ range: ClosedRange<Number>,
        why: String? = nil,
        _ summary: String
    ) -> Setting {
        let bounds =
            range.upperBound == Number.max
            ? "at least \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
        return .value(
            path,
            key: key,
            environment: environment,
            group: group,
            default: "`\(EntitleConfiguration()[keyPath: path])`",
            allowed: bounds,
            summary: summary,
            parse: { text throws(ConfigurationError) in
                guard let number = Number(text) else {
                    throw ConfigurationError(setting: environment, problem: "\"\(text)\" is not a number")
                }
                return number
            },
            problem: { value in
                guard !range.contains(value) else { return nil }
                return "\(value) must be \(bounds)" + (why.map { " (\($0))" } ?? "")
            }
        )
    }

    /// `true` or `false` (`1` or `0` in the environment).
    static func flag(
        _ path: WritableKeyPath<EntitleConfiguration, Bool>,
        _ key: String,
        _ environment: String,
        _ group: Group,
        _ summary: String
    ) -> Setting {
        .value(
            path,
            key: key,
            environment: environment,
            group: group,
            default: "`\(EntitleConfiguration()[keyPath: path])`",
            allowed: "`true`, `false`",
            summary: summary,
            parse: { text throws(ConfigurationError) in
                guard let flag = ["true": true, "1": true, "false": false, "0": false][text.lowercased()] else {
                    throw ConfigurationError(setting: environment, problem: "\"\(text)\" is not true or false")
                }
                return flag
            }
        )
    }

    /// A list; comma-separated in the environment.
    static func list(
        _ path: WritableKeyPath<EntitleConfiguration, [String]>,
        _ key: String,
        _ environment: String,
        _ group: Group,
        _ summary: String
    ) -> Setting {
        .value(
            path,
            key: key,
            environment: environment,
            group: group,
            default: "—",
            summary: summary,
            parse: { text in
                text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
        )
    }

    /// One of an enumeration's raw values.
    static func choice<Choice: RawRepresentable & Codable & CaseIterable>(
        _ path: WritableKeyPath<EntitleConfiguration, Choice>,
        _ key: String,
        _ environment: String,
        _ group: Group,
        _ summary: String
    ) -> Setting where Choice.RawValue == String {
        .value(
            path,
            key: key,
            environment: environment,
            group: group,
            default: "`\(EntitleConfiguration()[keyPath: path].rawValue)`",
            allowed: Choice.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", "),
            summary: summary,
            parse: { text throws(ConfigurationError) in
                guard let choice = Choice(rawValue: text) else {
                    let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ConfigurationError(setting: environment, problem: "\"\(text)\" is not one of \(names)")
                }
                return choice
            }
        )
    }

    /// Read from the environment only, before any configuration exists (logging).
    static func environmentOnly(
        _ environment: String,
        _ group: Group,
        default defaultText: String,
        _ summary: String
    ) -> Setting {
        Setting(
            key: nil,
            environment: environment,
            group: group,
            defaultText: defaultText,
            summary: summary,
            isSecret: false,
            fromFile: { _, _ in },
            fromEnvironment: { _, _ in },
            problem: { _ in nil }
        )
    }
}
