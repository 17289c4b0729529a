public import Foundation
import MarketplaceCore

/// A real OpenID Connect provider for the agent tests: Debian's `glewlwyd`, on a free loopback
/// port with an SQLite database of its own in a temporary folder. `start()` sets it up the way a
/// vendor would for Entitle: an OIDC plugin that allows RFC 7591 registration (only with an access
/// token carrying the `dcr` scope) and RFC 7592 management, a `registrar` user who holds that scope
/// (whose token is the initial access token), and a `buyer` who signs in through clients.
///
/// Unchecked `Sendable`: nothing changes after `start()`; only `stop()` touches the child process.
public final class GlewlwydServer: @unchecked Sendable {
    public let port: Int
    let directory: URL
    let child: ChildProcess
    let admin: JSONHTTPClient

    /// The OIDC plugin's API, `http://127.0.0.1:{port}/api/oidc/`.
    public var oidc: URL { URL(string: "http://127.0.0.1:\(port)/api/oidc/")! }
    /// Its RFC 7591 registration endpoint.
    public var registrationEndpoint: URL { oidc.appendingPathComponent("register") }

    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    private init(port: Int, directory: URL, child: ChildProcess, admin: JSONHTTPClient) {
        self.port = port
        self.directory = directory
        self.child = child
        self.admin = admin
    }

    static let executable = "/usr/bin/glewlwyd"
    static let schema = "/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3"

    /// Runs `body` with a provider of its own, stopped and removed afterwards.
    public static func with<Value: Sendable>(_ body: (GlewlwydServer) async throws -> Value) async throws -> Value {
        let server = try await start()
        do {
            let value = try await body(server)
            await server.stop()
            return value
        } catch {
            await server.stop()
            throw error
        }
    }

    public static func start() async throws -> GlewlwydServer {
        guard FileManager.default.isExecutableFile(atPath: executable), FileManager.default.fileExists(atPath: schema)
        else {
            throw Unavailable(
                description: "the agent tests need Debian's glewlwyd: echo 'glewlwyd glewlwyd/config_type select "
                    + "No configuration' | debconf-set-selections; apt-get install glewlwyd (.ci/run does)"
            )
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "entitle-idp-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = directory.appendingPathComponent("glewlwyd.db").path
        let made = try await ChildProcess.run(
            URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "sqlite3 '\(database)' < '\(schema)'"]
        )
        guard made.status == 0 else { throw Unavailable(description: "glewlwyd's database: \(made.output)") }
        let port = try FreePort.next()
        let configuration = directory.appendingPathComponent("glewlwyd.conf")
        try config(port: port, database: database).write(to: configuration, atomically: true, encoding: .utf8)
        let child = try ChildProcess(
            URL(fileURLWithPath: executable),
            arguments: ["--config-file=\(configuration.path)"],
            environment: [:],
            outputFile: directory.appendingPathComponent("glewlwyd.log")
        )
        _ = try await child.line(containing: "Glewlwyd started", timeout: .seconds(20))
        let api = URL(string: "http://127.0.0.1:\(port)/api/")!
        let login = try await JSONHTTPClient(baseURL: api).post("auth/", ["username": "admin", "password": "password"])
        guard login.status == 200, let session = login.cookies[sessionCookie] else {
            throw Unavailable(description: "glewlwyd's admin did not sign in: \(login)")
        }
        let admin = JSONHTTPClient(baseURL: api, headers: ["Cookie": "\(sessionCookie)=\(session)"])
        let server = GlewlwydServer(port: port, directory: directory, child: child, admin: admin)
        do { try await server.configure() } catch {
            await server.stop()
            throw error
        }
        return server
    }

    static let sessionCookie = "GLEWLWYD2_SESSION_ID"
    public static let registrarPassword = "registrar-password-7f3a"
    public static let buyerPassword = "buyer-password-91c2"

    private func configure() async throws {
        let scope: JSONValue = [
            "name": .string("dcr"), "display_name": .string("Client registration"), "description": .string("RFC 7591"),
            "password_required": false, "scheme": [:],
        ]
        try expectOK(try await admin.post("scope/", scope), "the dcr scope")
        let parameters: JSONValue = [
            "iss": .string("http://127.0.0.1:\(port)"), "jwt-type": .string("sha"), "jwt-key-size": .string("256"),
            "key": .string(UUID().uuidString + UUID().uuidString), "code-duration": 600,
            "refresh-token-duration": 1_209_600, "access-token-duration": 3600,
            "allow-non-oidc": true, "auth-type-client-enabled": true,
            "auth-type-code-enabled": true, "auth-type-password-enabled": true,
            "auth-type-refresh-enabled": true, "register-client-allowed": true,
            "register-client-auth-scope": ["dcr"], "register-client-credentials-scope": [],
            "register-client-management-allowed": true, "register-default-properties": [:],
        ]
        let plugin: JSONValue = [
            "module": .string("oidc"), "name": .string("oidc"), "display_name": .string("OpenID Connect"),
            "enabled": true, "parameters": parameters,
        ]
        try expectOK(try await admin.post("mod/plugin/", plugin), "the OIDC plugin")
        for (user, password, scopes) in [
            ("registrar", Self.registrarPassword, ["dcr"]), ("buyer", Self.buyerPassword, ["openid"]),
        ] {
            let body: JSONValue = [
                "username": .string(user), "password": .string(password), "scope": .array(scopes.map(JSONValue.string)),
                "enabled": true,
            ]
            try expectOK(try await admin.post("user/", body), "user \(user)")
        }
    }

    /// The initial access token a vendor gives Entitle: the registrar's, with the `dcr` scope.
    public func initialAccessToken() async throws -> String {
        struct Token: Decodable { var access_token: String }
        let form = "grant_type=password&scope=dcr&username=registrar&password=\(Self.registrarPassword)"
        let reply = try await JSONHTTPClient(baseURL: oidc).send(
            "POST",
            "token",
            raw: Data(form.utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"]
        )
        return try reply.decode(Token.self).access_token
    }

    /// The client as the provider's admin API shows it (`redirect_uri`, `enabled`, …); nil when
    /// the provider has no such client.
    public func client(_ id: String) async throws -> [String: Any]? {
        let reply = try await admin.get("client/\(id)")
        guard reply.status != 404 else { return nil }
        guard reply.status == 200 else { throw HTTPReplyError(reply: reply) }
        return try JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
    }

    /// The ids of the provider's clients whose id, name or description contain `pattern`.
    public func clientIDs(matching pattern: String) async throws -> [String] {
        let query = pattern.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? pattern
        let reply = try await admin.get("client/?limit=1000&pattern=\(query)")
        guard reply.status == 200 else { throw HTTPReplyError(reply: reply) }
        let clients = try JSONSerialization.jsonObject(with: reply.body) as? [[String: Any]] ?? []
        return clients.compactMap { $0["client_id"] as? String }
    }

    /// What a person's use of Gemini Enterprise does with the client: the buyer signs in at the
    /// provider, consents, is sent to `redirectURI` with a code, and the client exchanges the code
    /// for tokens (client_secret_basic). Answers the token endpoint's reply, or the authorization
    /// endpoint's when it gave no code (a client the provider does not know).
    public func authorizationCode(clientID: String, secret: String, redirectURI: String) async throws -> HTTPReply {
        let api = URL(string: "http://127.0.0.1:\(port)/api/")!
        let login = try await JSONHTTPClient(baseURL: api).post(
            "auth/",
            ["username": "buyer", "password": Self.buyerPassword]
        )
        guard let session = login.cookies[Self.sessionCookie] else { throw HTTPReplyError(reply: login) }
        let buyer = JSONHTTPClient(baseURL: api, headers: ["Cookie": "\(Self.sessionCookie)=\(session)"])
        _ = try await buyer.send("PUT", "auth/grant/\(clientID)", body: ["scope": "openid"])
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI), URLQueryItem(name: "scope", value: "openid"),
            URLQueryItem(name: "nonce", value: UUID().uuidString), URLQueryItem(name: "state", value: "s"),
            URLQueryItem(name: "g_continue", value: ""),
        ]
        let authorized = try await buyer.get("oidc/auth?" + (query.percentEncodedQuery ?? ""))
        guard let location = authorized.headers["location"],
            let code = URLComponents(string: location)?.queryItems?.first(where: { $0.name == "code" })?.value,
            location.hasPrefix(redirectURI)
        else { return authorized }
        var form = URLComponents()
        form.queryItems = [
            URLQueryItem(name: "grant_type", value: "authorization_code"), URLQueryItem(name: "code", value: code),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
        ]
        let basic = Data("\(clientID):\(secret)".utf8).base64EncodedString()
        return try await JSONHTTPClient(baseURL: oidc).send(
            "POST",
            "token",
            raw: Data((form.percentEncodedQuery ?? "").utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic \(basic)"]
        )
    }

    public func stop() async {
        try? await child.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    private func expectOK(_ reply: HTTPReply, _ what: String) throws {
        guard reply.status == 200 else { throw Unavailable(description: "glewlwyd: \(what): \(reply)") }
    }

    static func config(port: Int, database: String) -> String {
        """
        port=\(port)
        bind_address="127.0.0.1"
        external_url="http://127.0.0.1:\(port)"
        login_url="login.html"
        api_prefix="api"
        log_mode="console"
        log_level="INFO"
        cookie_secure=0
        session_expiration=3600
        session_key="\(sessionCookie)"
        admin_session_authentication="cookie"
        profile_session_authentication="cookie"
        login_api_enabled=true
        admin_scope="g_admin"
        profile_scope="g_profile"
        user_module_path="/usr/lib/glewlwyd/user"
        client_module_path="/usr/lib/glewlwyd/client"
        user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
        plugin_module_path="/usr/lib/glewlwyd/plugin"
        hash_algorithm="SHA512"
        database =
        {
          type = "sqlite3"
          path = "\(database)"
        };
        """
    }
}
