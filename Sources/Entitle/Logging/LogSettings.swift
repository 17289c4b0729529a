public import Logging

/// How `entitle` logs, from the environment: `ENTITLE_LOG_LEVEL` (trace, debug, info, notice,
/// warning, error, critical; default info) and `ENTITLE_LOG_FORMAT` (`text`, the default, or
/// `json`: one object per line for Cloud Logging and other collectors). Read once, before any
/// logger is made, because swift-log's bootstrap can happen only once per process.
public struct LogSettings: Sendable, Equatable {
    public enum Format: String, Sendable {
        case text, json
    }

    public var level: Logger.Level = .info
    public var format: Format = .text

    /// The environment variables read (`SettingsCatalog` documents them).
    public static let levelVariable = "ENTITLE_LOG_LEVEL"
    public static let formatVariable = "ENTITLE_LOG_FORMAT"

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(level: Logger.Level = .info, format: Format = .text) {
        self.level = level
        self.format = format
    }

    public init(environment: [String: String]) throws(Invalid) {
        if let text = environment[Self.levelVariable], !text.isEmpty {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw Invalid(description: "\(Self.levelVariable): \"\(text)\" is not one of \(names)")
            }
            self.level = level
        }
        if let text = environment[Self.formatVariable], !text.isEmpty {
            guard let format = Format(rawValue: text.lowercased()) else {
                throw Invalid(description: "\(Self.formatVariable): \"\(text)\" is not text or json")
            }
            self.format = format
        }
    }

    /// The process's log handlers: every logger made afterwards writes in this format, at this
    /// level unless it sets its own, with `LogContext`'s metadata, every value escaped and bounded
    /// (`EscapingLogHandler`).
    public func bootstrap() {
        let (level, format) = (self.level, self.format)
        LoggingSystem.bootstrap(
            { label, provider in
                switch format {
                case .json:
                    var handler = EscapingLogHandler(JSONLogHandler(label: label, metadataProvider: provider))
                    handler.logLevel = level
                    return handler
                case .text:
                    var handler = EscapingLogHandler(
                        StreamLogHandler.standardError(label: label, metadataProvider: provider)
                    )
                    handler.logLevel = level
                    return handler
                }
            },
            metadataProvider: LogContext.provider
        )
    }
}
