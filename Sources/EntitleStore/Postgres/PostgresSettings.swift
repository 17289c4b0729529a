import Foundation
public import PostgresNIO

/// A `postgres://` store URL read into PostgresNIO's configuration:
/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require`, or a Unix socket
/// directory (Cloud SQL's `/cloudsql/PROJECT:REGION:INSTANCE`) given as `?host=/cloudsql/…` or as a
/// percent-encoded host (`postgres://user@%2Fcloudsql%2FP%3AR%3AI/db`). `pool_size` sets the most
/// connections a replica opens (default 10). Over TCP to any host but loopback TLS is required
/// (verified against the system's trusted roots) unless the URL says `sslmode=prefer` or `disable`:
/// `prefer` talks plaintext to a server, or a man in the middle, that offers no TLS.
public struct PostgresSettings: Sendable {
    public var client: PostgresClient.Configuration
    public var database: String
    /// The sslmode in force (`disable`, `prefer`, `require`); nil over a Unix socket.
    public var sslMode: String?

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public init(url text: String) throws(Invalid) {
        guard let components = URLComponents(string: text),
            ["postgres", "postgresql"].contains(components.scheme ?? "")
        else {
            throw Invalid(description: "store URL is not postgres://user:password@host:port/database")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        let known: Set<String> = ["sslmode", "host", "pool_size", "application_name"]
        if let unknown = query.keys.filter({ !known.contains($0) }).sorted().first {
            throw Invalid(
                description:
                    "store URL: unknown parameter \(unknown) (known: \(known.sorted().joined(separator: ", ")))"
            )
        }
        let username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw Invalid(description: "store URL names no database (postgres://…/DATABASE)")
        }
        let port = components.port ?? 5432
        let host = query["host"] ?? components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        if host.hasPrefix("/") {
            // A socket directory: the server's socket in it is named for the port.
            let socket = "\(host)/.s.PGSQL.\(port)"
            client = PostgresClient.Configuration(
                unixSocketPath: socket,
                username: username,
                password: password,
                database: database
            )
        } else {
            guard !host.isEmpty else { throw Invalid(description: "store URL names no host") }
            let mode = query["sslmode"] ?? (Self.isLoopback(host) ? "prefer" : "require")
            let tls = try Self.tls(mode)
            sslMode = ["allow", "prefer"].contains(mode) ? "prefer" : mode == "disable" ? "disable" : "require"
            client = PostgresClient.Configuration(
                host: host,
                port: port,
                username: username,
                password: password,
                database: database,
                tls: tls
            )
        }
        if let size = query["pool_size"] {
            guard let value = Int(size), (1...1000).contains(value) else {
                throw Invalid(description: "store URL: pool_size \(size) is not 1 to 1000")
            }
            client.options.maximumConnections = value
        } else {
            client.options.maximumConnections = 10
        }
        self.database = database
    }

    /// Loopback: a database on the same machine, where nobody can sit between Entitle and it.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }

    private static func tls(_ mode: String) throws(Invalid) -> PostgresClient.Configuration.TLS {
        switch mode {
        case "disable": return .disable
        case "prefer", "allow": return .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": return .require(.makeClientConfiguration())
        default: throw Invalid(description: "store URL: sslmode \(mode) is not disable, prefer or require")
        }
    }
}
