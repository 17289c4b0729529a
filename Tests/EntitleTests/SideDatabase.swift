import GRDB

/// A second connection to a store's SQLite file, for a test to change what Entitle is using
/// (a trigger, an old row): it waits for Entitle's write transactions rather than failing at once
/// with "database is locked", which under load it otherwise did.
func sideDatabase(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    return try DatabaseQueue(path: path, configuration: configuration)
}
