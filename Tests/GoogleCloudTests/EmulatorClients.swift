import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator

/// Entitle's Google clients pointed at a running emulator, with the credentials a vendor would
/// use: the service-account key file the emulator prints, exchanged at its token endpoint.
struct EmulatorClients {
    let running: RunningEmulator
    let credentials: ServiceAccountTokenProvider
    let transport: GoogleAPITransport

    init(_ running: RunningEmulator, retryPolicy: RetryPolicy = .fastForTests) async throws {
        self.running = running
        // Through JSON, as the file on disk would be read.
        let file = try JSONEncoder().encode(try await running.emulator.serviceAccountKeyFile())
        let key = try JSONDecoder().decode(ServiceAccountKey.self, from: file)
        credentials = try ServiceAccountTokenProvider(key: key, retryPolicy: retryPolicy)
        transport = GoogleAPITransport(credentials: credentials, retryPolicy: retryPolicy)
    }

    var procurement: ProcurementClient {
        ProcurementClient(provider: running.emulator.options.provider, baseURL: running.baseURL, transport: transport)
    }

    struct Purchase: Decodable {
        var accountId: String
        var entitlementId: String
        var account: AccountID { try! AccountID(accountId) }
        var entitlement: EntitlementID { try! EntitlementID(entitlementId) }
    }

    /// A buyer's purchase through the emulator's control API (not a Google API).
    func buy(
        _ product: String = "example-messaging-service",
        plan: String = "basic",
        account: String? = nil
    ) async throws -> Purchase {
        let purchase = try await running.control.buy(product: product, plan: plan, account: account)
        return Purchase(accountId: purchase.accountId, entitlementId: purchase.entitlementId)
    }

    func changePlan(_ entitlement: EntitlementID, to plan: String) async throws {
        try await running.control.changePlan(entitlement.rawValue, to: plan)
    }

    func setFaults(_ plan: FaultPlan) async throws {
        try await running.control.setFaults(plan)
    }

    struct EmptyJSON: Decodable {}
}

extension RetryPolicy {
    /// Short waits so a test with injected faults takes seconds, not minutes; same logic as the default.
    static let fastForTests = RetryPolicy(
        maxAttempts: 12,
        initialBackoff: .milliseconds(5),
        maxBackoff: .milliseconds(100),
        totalTimeout: .seconds(30)
    )
}
