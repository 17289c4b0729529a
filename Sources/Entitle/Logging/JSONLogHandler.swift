public import Foundation
public import Logging
import MarketplaceCore
import Synchronization

/// One JSON object per line, in the shape Cloud Logging reads from a container's output:
/// `severity` (its names), `message`, `time` (RFC 3339, UTC), `logger`, and the
/// metadata as top-level fields (strings; lists and dictionaries as JSON). Each line is one
/// `write` under a process-wide lock, so lines from concurrent tasks never interleave.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let output: JSONLogOutput

    public init(
        label: String,
        metadataProvider: Logger.MetadataProvider? = nil,
        output: JSONLogOutput = .standardOutput
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Cloud Logging's `LogSeverity` names.
    static func severity(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "DEBUG"
        case .info: "INFO"
        case .notice: "NOTICE"
        case .warning: "WARNING"
        case .error: "ERROR"
        case .critical: "CRITICAL"
        }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        var all = self.metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        for (key, value) in all { fields[key] = Self.json(value) }
        if let error = event.error { fields["error"] = "\(error)" }
        // Cloud Logging's own fields win over metadata of the same name.
        fields["severity"] = Self.severity(event.level)
        fields["message"] = event.message.description
        fields["time"] = Self.time(Date())
        fields["logger"] = label
        guard
            var data = try? JSONSerialization.data(
                withJSONObject: fields,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        else { return }
        data.append(0x0A)
        output.write(data)
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    static func time(_ date: Date) -> String {
        Timestamp(date).rfc3339
    }
}

/// Where JSON lines go: a file descriptor (standard output), or a closure (tests).
public final class JSONLogOutput: Sendable {
    private let sink: Mutex<@Sendable (Data) -> Void>

    public init(_ sink: @escaping @Sendable (Data) -> Void) {
        self.sink = Mutex(sink)
    }

    public static let standardOutput = JSONLogOutput { data in
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(1, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    func write(_ data: Data) {
        sink.withLock { $0(data) }
    }
}
