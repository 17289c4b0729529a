import AsyncHTTPClient
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Where credentials come from (Application Default Credentials order) and what they do.
@Suite(.paced) struct CredentialsTests {
    private func keyFile(_ running: RunningEmulator) async throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("entitle-key-\(UUID().uuidString).json")
        try JSONEncoder().encode(try await running.emulator.serviceAccountKeyFile()).write(to: url)
        return url
    }

    @Test("concurrent callers share one token fetch")
    func singleFlight() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<50 { group.addTask { try await clients.credentials.accessToken() } }
                return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
            }
            #expect(tokens.count == 1 && tokens.first! != nil)
            #expect(await clients.credentials.tokensFetched == 1)
        }
    }

    @Test(
        "GOOGLE_APPLICATION_CREDENTIALS names the key file; an explicit key comes first; a broken file is an error, not a fall-through"
    )
    func keyFileOrder() async throws {
        try await EmulatorHarness.withEmulator { running in
            let key = try await keyFile(running)
            defer { try? FileManager.default.removeItem(at: key) }
            let environment = ["GOOGLE_APPLICATION_CREDENTIALS": key.path, "HOME": "/nonexistent"]
            let found = try #require(try await ApplicationDefaultCredentials.find(environment: environment))
            #expect(found.source == .keyFile(key.path))
            let token = try #require(try await found.provider.accessToken())
            let reply = try await running.http.anonymous.send(
                "GET",
                "v1/providers/\(running.provider)/accounts",
                headers: ["Authorization": "Bearer \(token)"]
            )
            #expect(reply.status == 200)

            let broken = FileManager.default.temporaryDirectory.appendingPathComponent(
                "entitle-broken-\(UUID().uuidString).json"
            )
            try Data("{\"type\": \"authorized_user\"}".utf8).write(to: broken)
            defer { try? FileManager.default.removeItem(at: broken) }
            let explicit = try #require(
                try await ApplicationDefaultCredentials.find(
                    keyFile: key.path,
                    environment: ["GOOGLE_APPLICATION_CREDENTIALS": broken.path]
                )
            )
            #expect(explicit.source == .keyFile(key.path))
            await #expect(throws: CredentialsError.self) {
                _ = try await ApplicationDefaultCredentials.find(environment: [
                    "GOOGLE_APPLICATION_CREDENTIALS": broken.path
                ])
            }
        }
    }

    @Test("with GCE_METADATA_HOST set, the metadata server is found and its tokens are accepted")
    func metadataServer() async throws {
        try await EmulatorHarness.withEmulator { running in
            let host = "\(running.baseURL.host ?? ""):\(running.baseURL.port ?? 0)"
            // Ten seconds of patience, not `find`'s one: a loaded machine (the parallel suite) has
            // answered the one-second probe too late.
            let search = try await ApplicationDefaultCredentials.search(
                environment: ["GCE_METADATA_HOST": host, "HOME": "/nonexistent"],
                metadataPatience: .seconds(10)
            )
            let found = try #require(search.found, "\(search.tried)")
            #expect(found.source == .metadataServer(URL(string: "http://\(host)")!))
            let token = try #require(try await found.provider.accessToken())
            let reply = try await running.http.anonymous.send(
                "GET",
                "v1/providers/\(running.provider)/accounts",
                headers: ["Authorization": "Bearer \(token)"]
            )
            #expect(reply.status == 200)
        }
    }

    @Test("a token endpoint that refuses the grant gives a typed error naming Google's error code")
    func refusedGrant() async throws {
        try await EmulatorHarness.withEmulator { running in
            var key = try JSONDecoder().decode(
                ServiceAccountKey.self,
                from: try JSONEncoder().encode(try await running.emulator.serviceAccountKeyFile())
            )
            key.client_email = "someone-else@example.iam.gserviceaccount.com"
            let provider = try ServiceAccountTokenProvider(key: key, retryPolicy: .fastForTests)
            let error = await #expect(throws: CredentialsError.self) { _ = try await provider.accessToken() }
            guard case .tokenRefused(let status, let code, _) = error else {
                Issue.record("\(String(describing: error))")
                return
            }
            #expect(status == 400 && code == "invalid_grant")
        }
    }

    @Test("a key file whose private_key is not a key is refused when the provider is made")
    func badPrivateKey() {
        let key = ServiceAccountKey(
            privateKey: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n",
            clientEmail: "a@b.iam.gserviceaccount.com"
        )
        #expect(throws: CredentialsError.self) { _ = try ServiceAccountTokenProvider(key: key) }
    }

    @Test("a report to a server that cannot be reached counts as never sent, not as an unknown outcome")
    func unreachable() async throws {
        let transport = GoogleAPITransport(
            credentials: NoTokenProvider(),
            retryPolicy: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(5), maxBackoff: .milliseconds(10)),
            // AsyncHTTPClient keeps retrying a refused connection until the request's deadline.
            requestTimeout: .seconds(1)
        )
        // Port 9 (discard) is closed on loopback here: the connection is refused.
        let client = ServiceControlClient(baseURL: URL(string: "http://127.0.0.1:9/")!, transport: transport)
        let operation = UsageOperation(
            operationId: "op",
            consumerId: "project_number:1",
            startTime: Timestamp(seconds: 0),
            endTime: Timestamp(seconds: 3600),
            metricValueSets: []
        )
        let outcome = try #require(await client.report(serviceName: "example.com", [operation]).first)
        #expect(outcome.failure != nil)
        if case .outcomeUnknown? = outcome.failure as? GoogleTransportError {
            Issue.record("a refused connection never reached the server")
        }
    }
}
