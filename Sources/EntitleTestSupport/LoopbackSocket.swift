import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback TCP port nobody listens on right now, for a child process that must be told its
/// port in advance (the sandbox prints URLs with it); tests use it only where port 0 cannot be.
public enum FreePort {
    /// A port below Linux's ephemeral range (32768–60999), where the kernel never hands out ports
    /// to other tests' servers on port 0 between this check and the child's bind.
    public static func next() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            if try isFree(port) { return port }
        }
        throw ChildProcessError(message: "no free port found between 20000 and 32000")
    }

    static func isFree(_ port: Int) throws -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildProcessError(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        } == 0
    }
}

/// A raw TCP connection to a loopback port, for sending a request the way a slow or broken
/// client does (half a header, a body that never ends), which an HTTP client library will not.
public final class RawConnection {
    private let fd: Int32

    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildProcessError(message: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw ChildProcessError(message: "connect() to port \(port) failed")
        }
    }

    deinit { close(fd) }

    public func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw ChildProcessError(message: "send() failed") }
    }

    /// Waits up to `timeout` seconds for the server to close the connection; true when it did
    /// (anything it sent before closing is skipped). Polls without blocking a thread of the
    /// concurrency pool, which the server under test needs to answer.
    public func closedByServer(within timeout: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        repeat {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0 {
                if recv(fd, &buffer, buffer.count, 0) <= 0 { return true }
                continue
            }
            try? await Task.sleep(for: .milliseconds(20))
        } while Date() < deadline
        return false
    }
}
