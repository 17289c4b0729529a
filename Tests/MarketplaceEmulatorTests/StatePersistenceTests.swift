import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import OwnerOnlyFiles
import Testing

/// `--state FILE`: the emulator's state survives a restart.
@Suite(.paced) struct StatePersistenceTests {
    private func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("emulator-state-\(UUID().uuidString).json").path
    }

    struct Clock: Decodable {
        var now: Timestamp
    }

    // MARK: Tests

    @Test(
        "after a graceful stop and a start on the same file: resources, queued notifications, clock and sign-up keys are all there"
    )
    func restart() async throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let options = testOptions { $0.stateFile = file }
        struct Before: Sendable {
            var entitlement: Entitlement
            var accountID: String
            var clock: Timestamp
            var keys: [String: String]
        }
        let before = try await EmulatorHarness.withEmulator(options) { running in
            try await running.subscribe()
            let purchase = try await running.buy()
            try await running.approveSignup(purchase.accountId)
            _ = try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve")
            try await running.advance("P3D")
            return Before(
                entitlement: try await running.entitlement(purchase.entitlementId),
                accountID: purchase.accountId,
                clock: try await running.http.get("emulator/v1/clock").decode(Clock.self).now,
                keys: try await running.http.get(
                    "robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"
                ).decode()
            )
        }
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(OwnerOnlyFile.mode(file) == 0o600, "the state holds private keys: owner-only")
        try await EmulatorHarness.withEmulator(options) { running in
            #expect(try await running.entitlement(before.entitlement.id!.rawValue) == before.entitlement)
            let account: Account = try await running.http.get("\(running.accounts)/\(before.accountID)").decode()
            #expect(account.signupApproval?.state == .approved)
            #expect(try await running.http.get("emulator/v1/clock").decode(Clock.self).now >= before.clock)
            #expect(
                try await running.eventTypes() == [
                    "ACCOUNT_ACTIVE", "ENTITLEMENT_CREATION_REQUESTED", "ENTITLEMENT_ACTIVE",
                ]
            )
            let keys: [String: String] = try await running.http.get(
                "robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"
            )
            .decode()
            #expect(keys == before.keys, "sign-up tokens minted before the restart still verify")
        }
    }

    @Test("a state file that is not the emulator's, or another provider's, stops start-up with a message")
    func badFile() throws {
        let file = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data("{\"not\":\"state\"}".utf8).write(to: URL(fileURLWithPath: file))
        #expect(throws: (any Error).self) { try MarketplaceEmulator(options: testOptions { $0.stateFile = file }) }
    }
}
