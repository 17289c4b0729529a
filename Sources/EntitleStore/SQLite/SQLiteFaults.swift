import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What SQLite says when its file cannot be written just now, rather than that a statement was
/// wrong: the disk is full (`SQLITE_FULL`), an I/O error (`SQLITE_IOERR`, also what a full disk
/// gives at fsync), the file cannot be opened, or another process held it past the busy timeout.
/// Those become `StoreError.unavailable` (503 and `Retry-After`, notifications handed back);
/// `/readyz` says so while the file system is full (even before a write fails) and after an I/O
/// error until a write succeeds again. SQLite rolls the failed transaction back, so nothing half
/// written stays; the next write after space returns works without reopening anything.
final class SQLiteFaults: Sendable {
    /// Below this much free space on the database's file system, a remembered failure stands.
    static let minimumFreeBytes: UInt64 = 1 << 20

    private let directory: String
    private let writeFailure = Mutex<(code: ResultCode, description: String)?>(nil)

    init(path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        directory = folder.isEmpty ? "." : folder
    }

    /// Runs a store call, turning SQLite's "cannot write now" into `StoreError.unavailable`.
    func guarding<Value>(writes: Bool, _ body: () async throws -> Value) async throws -> Value {
        do {
            let value = try await body()
            if writes { writeFailure.withLock { $0 = nil } }
            return value
        } catch {
            guard let (code, unavailable) = Self.unavailable(error) else { throw error }
            if code == .SQLITE_FULL || code == .SQLITE_IOERR {
                writeFailure.withLock { $0 = (code, unavailable.description) }
            }
            throw unavailable
        }
    }

    /// Throws while the store cannot be written: its file system has less than
    /// `minimumFreeBytes` free (said at once, even while SQLite still reuses its WAL's room and
    /// writes succeed a few seconds more), or an I/O error has not been followed by a successful
    /// write. A failure for want of room ends when there is room again.
    func checkWritable() throws {
        let free = freeBytes()
        if let free, free < Self.minimumFreeBytes {
            throw StoreError.unavailable(
                "the file system holding the store is full (\(free) bytes free in \(directory))"
            )
        }
        guard let failure = writeFailure.withLock({ $0 }) else { return }
        if failure.code == .SQLITE_FULL, free != nil {
            writeFailure.withLock { $0 = nil }
            return
        }
        throw StoreError.unavailable(failure.description)
    }

    /// Free bytes for an unprivileged writer on the database's file system.
    func freeBytes() -> UInt64? {
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else { return nil }
        return UInt64(stats.f_bavail) * UInt64(stats.f_frsize)
    }

    static func unavailable(_ error: any Error) -> (ResultCode, StoreError)? {
        let cause = (error as? SQLiteCommitQueue.TransactionLost)?.cause ?? error
        guard let error = cause as? DatabaseError else { return nil }
        let code = error.resultCode
        switch code {
        case .SQLITE_FULL: return (code, .unavailable("SQLite: the disk is full"))
        case .SQLITE_IOERR: return (code, .unavailable("SQLite: I/O error (\(error.extendedResultCode))"))
        case .SQLITE_CANTOPEN, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_NOMEM:
            return (code, .unavailable("SQLite: \(error.message ?? "\(code)")"))
        default: return nil
        }
    }
}
