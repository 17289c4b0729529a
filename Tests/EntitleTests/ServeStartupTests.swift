import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

/// `entitle serve` as a vendor starts it: production settings without
/// credentials are an error naming every place looked in, a broken setting stops it naming the
/// setting, and the sandbox prints URLs that work and keeps its secrets across restarts.
@Suite(.paced) struct ServeStartupTests {
    /// An environment in which no Google credentials can be found quickly: no home directory, and
    /// a metadata server at a port nobody listens on.
    func bareEnvironment(store: String) throws -> [String: String] {
        [
            "HOME": "/nonexistent", "GCE_METADATA_HOST": "127.0.0.1:\(try FreePort.next())", "ENTITLE_STORE_URL": store,
            "ENTITLE_HTTP_PORT": "0",
        ]
    }

    func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "entitle-startup-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    @Test(
        "production settings and no credentials: serve exits non-zero naming every place it looked in, and starts no sandbox (the store is not touched)"
    )
    func noSilentSandbox() async throws {
        try await withDirectory { directory in
            let store = directory.appendingPathComponent("entitle.sqlite").path
            var environment = try bareEnvironment(store: store)
            environment["ENTITLE_PROVIDER_ID"] = "DEMO-vendor"
            environment["ENTITLE_SUBSCRIPTION"] = "projects/vendor/subscriptions/marketplace"
            let result = try await ChildProcess.run(
                try ChildProcess.builtExecutable("entitle"),
                arguments: ["serve"],
                environment: environment
            )
            #expect(result.status != 0, "\(result.output)")
            for expected in [
                "no Google credentials found", "providerID, subscription", "the googleCredentials setting: not set",
                "GOOGLE_APPLICATION_CREDENTIALS: not set", "application_default_credentials.json",
                "the metadata server at http://127.0.0.1:",
                "--sandbox",
            ] {
                #expect(result.output.contains(expected), "\(expected): \(result.output)")
            }
            #expect(!result.output.contains("sandbox mode:"))
            #expect(
                !FileManager.default.fileExists(atPath: store),
                "no emulator data written into the configured store"
            )
        }
    }

    @Test("an empty callbackSecret with a callbackURL stops serve, naming the key")
    func emptySecret() async throws {
        try await withDirectory { directory in
            var environment = try bareEnvironment(store: directory.appendingPathComponent("entitle.sqlite").path)
            environment["ENTITLE_CALLBACK_URL"] = "https://app.example.com/hooks"
            environment["ENTITLE_CALLBACK_SECRET"] = ""
            let result = try await ChildProcess.run(
                try ChildProcess.builtExecutable("entitle"),
                arguments: ["serve"],
                environment: environment
            )
            #expect(result.status != 0 && result.output.contains("callbackSecret"), "\(result.output)")
        }
    }

    struct Purchase: Decodable { var signupURL: String }

    @Test(
        "the sandbox on another port prints URLs on that port, purchases send the buyer there, and the admin token survives a restart"
    )
    func sandboxOnAnotherPort() async throws {
        try await withDirectory { directory in
            let (port, emulatorPort) = (try FreePort.next(), try FreePort.next())
            var environment = try bareEnvironment(store: directory.appendingPathComponent("entitle.sqlite").path)
            environment["ENTITLE_HTTP_PORT"] = "\(port)"
            environment["ENTITLE_SANDBOX_EMULATOR_PORT"] = "\(emulatorPort)"
            var tokens: [String] = []
            for run in 1...2 {
                let child = try ChildProcess(
                    try ChildProcess.builtExecutable("entitle"),
                    arguments: ["serve"],
                    environment: environment,
                    outputFile: directory.appendingPathComponent("serve-\(run).log")
                )
                let admin = try await child.line(containing: "admin API:")
                #expect(admin.contains("http://127.0.0.1:\(port)/api/admin"), "\(admin)")
                #expect(child.output.contains("http://127.0.0.1:\(port)/signup"), "\(child.output)")
                let token = try #require(
                    admin.components(separatedBy: "Bearer ").last?.trimmingCharacters(
                        in: CharacterSet(charactersIn: ") \n")
                    )
                )
                tokens.append(token)
                let emulator = JSONHTTPClient(baseURL: URL(string: "http://127.0.0.1:\(emulatorPort)/")!)
                let purchase = try await emulator.post(
                    "emulator/v1/purchases",
                    ["product": "example-messaging-service", "plan": "basic"]
                )
                .decode(Purchase.self)
                #expect(
                    purchase.signupURL == "http://127.0.0.1:\(port)/signup",
                    "the buyer is sent to Entitle's port: \(purchase.signupURL)"
                )
                let api = JSONHTTPClient(
                    baseURL: URL(string: "http://127.0.0.1:\(port)/")!,
                    headers: ["Authorization": "Bearer \(token)"]
                )
                #expect(try await api.get("api/admin/entitlements").status == 200)
                #expect(try await child.stop() == 0)
            }
            #expect(tokens[0] == tokens[1], "the admin token is kept beside the store: \(tokens)")
        }
    }
}
