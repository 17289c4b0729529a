import PostgresNIO

extension PostgresStore {
    public func counts() async throws -> StoreCounts {
        try await read { try StoreCounts(rows: await fetch(StoreCounts.sql, on: $0).map(StoreCounts.row)) }
    }
}
