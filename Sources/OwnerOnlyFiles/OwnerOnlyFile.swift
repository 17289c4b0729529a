public import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that hold secrets or customers' data (sandbox secrets, the emulator's state with its
/// private keys, a service account key, the SQLite store) are made readable by their owner only from
/// the moment they exist: written and then `chmod`ed, a file is readable by others in between.
public enum OwnerOnlyFile {
    /// `data` at `path`, replacing it atomically: a new file made owner-only (0600), written and
    /// flushed, then renamed over the old one.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".\(UUID().uuidString.prefix(8)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("create \(temporary)") }
        do {
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { throw failure("write \(temporary)") }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else { throw failure("flush \(temporary)") }
            close(descriptor)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
    }

    /// Creates `path` empty and owner-only when nothing is there yet (an existing file is left as
    /// it is). SQLite gives the WAL and shared-memory files the database file's own mode.
    public static func create(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
        } else if errno != EEXIST {
            throw failure("create \(path)")
        }
    }

    /// The permission bits of `path` (0o600), for checks.
    public static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    private static func failure(_ what: String) -> any Error {
        let code = errno
        return NSError(
            domain: NSPOSIXErrorDomain,
            code: Int(code),
            userInfo: [NSLocalizedDescriptionKey: "cannot \(what): \(String(cString: strerror(code)))"]
        )
    }
}
