import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The emulator must not take the sandbox down: every number of its
/// control API is range-checked instead of trapping, and with a state file every change Google
/// answered is on disk before the answer, so a SIGKILL brings back what the vendor was told.
@Suite(.paced) struct ControlInputTests {
    @Test(
        "huge or negative numbers in the control API are 400, and the emulator keeps answering",
        arguments: [
            ("emulator/v1/clock/advance", #"{"seconds": 9223372036854775807}"#),
            ("emulator/v1/clock/advance", #"{"seconds": -1}"#),
            ("emulator/v1/clock/advance", #"{"duration": "P999999999999999Y"}"#),
            ("emulator/v1/clock/advance", #"{"duration": "P9000Y"}"#),
            ("signup-token", #"{"issuedAt": 9223372036854775807}"#),
            ("signup-token", #"{"issuedAt": 0, "expiresAt": -5}"#),
        ]
    )
    func rangeChecked(path: String, body: String) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let target =
                path == "signup-token" ? "emulator/v1/accounts/\(try await running.buy().accountId)/signup-token" : path
            let reply = try await running.http.send(
                "POST",
                target,
                raw: Data(body.utf8),
                headers: ["Content-Type": "application/json"]
            )
            #expect(reply.status == 400 && reply.text.contains("INVALID_ARGUMENT"), "\(reply)")
            #expect(try await running.http.get("emulator/v1/clock").status == 200, "still answering")
        }
    }

    @Test("a fault plan's retryAfterSeconds is range-checked")
    func faultPlanRange() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let plan =
                #"{"rules": [{"api": "procurement", "errorRate": 1, "status": 429, "retryAfterSeconds": 9223372036854775807}]}"#
            let reply = try await running.http.send(
                "PUT",
                "emulator/v1/faults",
                raw: Data(plan.utf8),
                headers: ["Content-Type": "application/json"]
            )
            #expect(reply.status == 400, "\(reply)")
        }
    }

    struct Purchase: Decodable {
        var accountId: String
        var entitlementId: String
    }

    struct AccountReply: Decodable {
        struct Approval: Decodable {
            var name: String?
            var state: String?
        }
        var approvals: [Approval]?
    }

    @Test(
        "with --state, `entitle emulator` SIGKILLed right after approving a sign-up comes back with it approved and the purchase there"
    )
    func durableState() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "emulator-durable-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try FreePort.next()
        let state = directory.appendingPathComponent("state.json").path
        func start(_ run: Int) async throws -> (ChildProcess, JSONHTTPClient) {
            let child = try ChildProcess(
                try ChildProcess.builtExecutable("entitle"),
                arguments: ["emulator", "--port", "\(port)", "--state", state, "--no-auth"],
                environment: [:],
                outputFile: directory.appendingPathComponent("emulator-\(run).log")
            )
            let http = JSONHTTPClient(baseURL: URL(string: "http://127.0.0.1:\(port)/")!)
            let deadline = ContinuousClock.now + .seconds(20)
            while (try? await http.get("emulator/v1/clock"))?.status != 200 {
                // Its log says why it did not come up (a full run once timed out connecting here).
                guard ContinuousClock.now < deadline else {
                    try? await child.kill()
                    throw ChildProcessError(
                        message: "emulator run \(run) not serving; its log:\n\(child.output.suffix(4000))"
                    )
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            return (child, http)
        }
        var (child, http) = try await start(1)
        let purchase = try await http.post(
            "emulator/v1/purchases",
            ["product": "example-messaging-service", "plan": "basic"]
        ).decode(Purchase.self)
        let approved = try await http.post(
            "v1/providers/\(EmulatorDefaults.provider.rawValue)/accounts/\(purchase.accountId):approve",
            ["approvalName": "signup"]
        )
        #expect(approved.status == 200, "\(approved)")
        try await child.kill()
        (child, http) = try await start(2)
        let account = try await http.get(
            "v1/providers/\(EmulatorDefaults.provider.rawValue)/accounts/\(purchase.accountId)"
        ).decode(
            AccountReply.self
        )
        #expect(account.approvals?.first { $0.name == "signup" }?.state == "APPROVED", "\(account)")
        #expect(
            try await http.get(
                "v1/providers/\(EmulatorDefaults.provider.rawValue)/entitlements/\(purchase.entitlementId)"
            ).status == 200
        )
        #expect(try await child.stop() == 0)
    }
}
