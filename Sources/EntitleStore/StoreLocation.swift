/// Which database Entitle keeps its state in: an SQLite file (the embedded default) or a
/// PostgreSQL server shared by several replicas (docs/architecture.md, "Several replicas").
public enum StoreLocation: Hashable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// Reads a `store.url` setting: `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite:PATH`,
    /// `file:PATH` or a bare path is an SQLite file.
    /// - Throws: `StoreLocationError` for an empty value or an unsupported scheme.
    public init(parsing value: String) throws(StoreLocationError) {
        let trimmed = value.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw StoreLocationError(value: value, reason: "is empty") }
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            self = .postgres(url: trimmed)
        } else if let path = trimmed.dropPrefix("sqlite:") ?? trimmed.dropPrefix("file:") {
            guard !path.isEmpty else { throw StoreLocationError(value: value, reason: "names no file") }
            self = .sqlite(path: path)
        } else if let scheme = trimmed.firstRange(of: "://").map({ String(trimmed[..<$0.lowerBound]) }) {
            throw StoreLocationError(value: value, reason: "uses \(scheme)://, expected postgres:// or an SQLite path")
        } else {
            self = .sqlite(path: trimmed)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "SQLite file \(path)"
        case .postgres: "PostgreSQL"  // the URL may carry a password
        }
    }
}

/// A `store.url` setting Entitle cannot use.
public struct StoreLocationError: Error, Hashable, CustomStringConvertible {
    public var value: String
    public var reason: String
    public var description: String { "store.url (ENTITLE_STORE_URL) \(reason)" }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    fileprivate func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
