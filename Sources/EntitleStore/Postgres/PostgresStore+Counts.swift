import PostgresNIO

extension PostgresStore {
    public func counts() async throws -> StoreCounts {
        try await read { connection in
            let rows = try await rows(PostgresQuery(unsafeSQL: StoreCounts.sql), on: connection)
            return StoreCounts(rows: try rows.map { (group: try $0.get("grp"), key: try $0.get("k"), count: Int(try $0.get("n", as: Int64.self))) })
        }
    }
}
