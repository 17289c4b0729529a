import Foundation
import MarketplaceCore

/// A value bound to a statement's placeholder. A Boolean is its own case: SQLite stores 0 or 1,
/// PostgreSQL a `BOOLEAN`.
enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case bool(Bool)
    /// A list bound as one PostgreSQL array (`unnest`, `= ANY`): a few values to bind and parse
    /// rather than one per item. SQLite has no arrays; only a store whose `ListSlicing` binds
    /// arrays is sent them.
    case texts([String])
    case integers([Int64])
    case bools([Bool])
}

/// What can be interpolated into a `StoreSQL` as a bound value.
protocol SQLBindable {
    var sqlValue: SQLValue { get }
}

extension Int: SQLBindable {
    var sqlValue: SQLValue { .integer(Int64(self)) }
}

extension Int64: SQLBindable {
    var sqlValue: SQLValue { .integer(self) }
}

extension Double: SQLBindable {
    var sqlValue: SQLValue { .real(self) }
}

extension String: SQLBindable {
    var sqlValue: SQLValue { .text(self) }
}

extension Data: SQLBindable {
    var sqlValue: SQLValue { .blob(self) }
}

extension Bool: SQLBindable {
    var sqlValue: SQLValue { .bool(self) }
}

/// Times are stored as microseconds since the epoch (`Timestamp.micros`).
extension Timestamp: SQLBindable {
    var sqlValue: SQLValue { .integer(micros) }
}

/// A value already converted (NULL included).
struct SQLValueOf: SQLBindable {
    var value: SQLValue
    var sqlValue: SQLValue { value }
}
