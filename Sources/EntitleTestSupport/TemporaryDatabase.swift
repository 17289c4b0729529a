import Foundation

/// A database file path in the temporary directory, removed (with SQLite's `-wal` and `-shm`
/// companions) when `body` ends.
public enum TemporaryDatabase {
    public static func withPath<Value>(_ body: (String) async throws -> Value) async throws -> Value {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("entitle-\(UUID().uuidString).sqlite")
            .path
        defer {
            for suffix in ["", "-wal", "-shm", ".sandbox.json"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
        return try await body(path)
    }
}
