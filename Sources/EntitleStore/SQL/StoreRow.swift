import Foundation
import GRDB
import MarketplaceCore
import PostgresNIO

/// A result row of either store, read by column name, so each row mapping is written once.
protocol StoreRow {
    func get<Value: StoreColumn>(_ column: String, as type: Value.Type) throws -> Value
}

extension StoreRow {
    func get<Value: StoreColumn>(_ column: String) throws -> Value { try get(column, as: Value.self) }

    /// A time stored as microseconds since the epoch.
    func time(_ column: String) throws -> Timestamp { Timestamp(micros: try get(column)) }

    func timeIfAny(_ column: String) throws -> Timestamp? {
        try get(column, as: Int64?.self).map(Timestamp.init(micros:))
    }

    /// A value stored as JSON text (records, attribute maps).
    func json<Value: Decodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        try StoreJSON.decode(get(column, as: String.self))
    }
}

/// A column type both drivers decode.
protocol StoreColumn {
    static func decode(sqlite value: DatabaseValue, column: String) throws -> Self
    static func decode(postgres cell: PostgresCell) throws -> Self
}

/// A column the row does not have, or a NULL where a value was expected.
struct StoreRowError: Error, CustomStringConvertible {
    var column: String
    var problem: String
    var description: String { "column \(column): \(problem)" }
}

/// The types whose GRDB and PostgresNIO decodings already agree.
protocol StoreScalarColumn: StoreColumn, DatabaseValueConvertible, PostgresDecodable {}

extension StoreScalarColumn {
    static func decode(sqlite value: DatabaseValue, column: String) throws -> Self {
        guard let decoded = fromDatabaseValue(value) else {
            throw StoreRowError(column: column, problem: value.isNull ? "NULL" : "not a \(Self.self)")
        }
        return decoded
    }

    static func decode(postgres cell: PostgresCell) throws -> Self {
        guard cell.bytes != nil else { throw StoreRowError(column: cell.columnName, problem: "NULL") }
        return try cell.decode(Self.self)
    }
}

extension Int: StoreScalarColumn {}
extension Int64: StoreScalarColumn {}
extension Int32: StoreScalarColumn {}
extension Double: StoreScalarColumn {}
extension String: StoreScalarColumn {}
extension Data: StoreScalarColumn {}
extension Bool: StoreScalarColumn {}

extension Optional: StoreColumn where Wrapped: StoreColumn {
    static func decode(sqlite value: DatabaseValue, column: String) throws -> Self {
        value.isNull ? nil : try Wrapped.decode(sqlite: value, column: column)
    }

    static func decode(postgres cell: PostgresCell) throws -> Self {
        cell.bytes == nil ? nil : try Wrapped.decode(postgres: cell)
    }
}

extension Row: StoreRow {
    func get<Value: StoreColumn>(_ column: String, as type: Value.Type) throws -> Value {
        guard let value = self[column] as DatabaseValue? else {
            throw StoreRowError(column: column, problem: "not in the row")
        }
        return try Value.decode(sqlite: value, column: column)
    }
}
