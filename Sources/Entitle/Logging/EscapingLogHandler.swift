public import Logging
import MarketplaceCore

/// Wraps the process's log handler (text or JSON) so that no value reaches a line as an attacker
/// wrote it: control characters in the message and every metadata value are escaped (a newline in
/// a token's `kid` cannot forge a line of the text format) and each is cut at `maxBytes`. Values
/// known to come from requests are cut much shorter where they are logged (`String.bounded`).
public struct EscapingLogHandler<Inner: LogHandler>: LogHandler {
    public static var maxBytes: Int { 4096 }

    public var inner: Inner

    public init(_ inner: Inner) {
        self.inner = inner
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(event.message.description.bounded(Self.maxBytes))"
        event.metadata = event.metadata?.mapValues(Self.escape)
        inner.log(event: event)
    }

    static func escape(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(text.bounded(maxBytes))
        case .stringConvertible(let convertible): .string(convertible.description.bounded(maxBytes))
        case .array(let values): .array(values.map(escape))
        case .dictionary(let values): .dictionary(values.mapValues(escape))
        }
    }
}
