import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The usage tests' world: the emulator, `EntitleServer` with the usage API on a temporary SQLite
/// file, purchases made active, and the vendor app's requests.
extension UsageTests {
    static let usageKey = "usage-key-of-the-app"

    static let adminToken = "usage-admin-token"

    struct Fixture: Sendable {
        var running: RunningEmulator
        var store: any Store
        /// The SQLite file, for tests that write rows an older version could have kept.
        var storePath: String
        var usage: JSONHTTPClient
        var admin: JSONHTTPClient
        var transport: GoogleAPITransport
        /// Re-reads entitlements for the reporter, as the server's does.
        var processor: NotificationProcessor

        func reporter(_ clock: ManualClock, chunkSize: Int = 1000) -> UsageReporter {
            UsageReporter(
                store: store,
                serviceControl: ServiceControlClient(baseURL: running.baseURL, transport: transport),
                settings: .init(interval: .seconds(3600), chunkSize: chunkSize),
                refresh: processor.usageRefresh,
                now: { clock.now }
            )
        }
    }

    struct Accepted: Decodable {
        struct Result: Decodable {
            var idempotencyKey: String
            var status: String
            var windowStart: Timestamp
        }
        var results: [Result]
    }

    struct Reports: Decodable {
        var records: [UsageRecord]
        var totals: [String: [String: Int64]]
    }

    /// - Parameter emulatorStart: Google's clock at start. Usage stamped before an entitlement
    ///   was created is refused, so tests that bill hours in the past buy in the past.
    func withUsage(
        faults: FaultPlan = FaultPlan(),
        reporting: Bool = false,
        extraMetric: String? = nil,
        emulatorStart: Date? = Date().addingTimeInterval(-12 * 3600),
        maxQuantity: Int64? = nil,
        _ body: @Sendable (Fixture) async throws -> Void
    ) async throws {
        try await TemporaryDatabase.withPath { path in
            var options = EmulatorOptions()
            options.startTime = emulatorStart
            options.requireSignupBeforeApproval = false
            options.pullWait = .milliseconds(200)
            options.faults = faults
            try await EmulatorHarness.withEmulator(options) { running in
                let metrics = [
                    "basic": ["requests", "storage_gib"] + (extraMetric.map { [$0] } ?? []),
                    "standard": ["requests", "storage_gib"],
                ]
                try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                    configuration.usageAPIKeys = ["app": AppAccess(Self.usageKey)]
                    // `extraMetric`: one the vendor configured but Google's plan does not define.
                    configuration.usageMetrics = ["example-messaging-service": metrics]
                    // Tests run passes themselves, on a manual clock, unless the server's own is tested.
                    configuration.usageReportIntervalSeconds = reporting ? 3600 : 0
                    configuration.adminToken = Self.adminToken
                    if let maxQuantity { configuration.usageMaxQuantity = maxQuantity }
                } _: { entitle in
                    let fixture = Fixture(
                        running: running,
                        store: entitle.store,
                        storePath: path,
                        usage: entitle.client(bearer: Self.usageKey),
                        admin: entitle.client(bearer: Self.adminToken),
                        transport: entitle.transport,
                        processor: NotificationProcessor(
                            store: entitle.store,
                            procurement: entitle.procurement,
                            policies: entitle.policies
                        )
                    )
                    try await body(fixture)
                }
            }
        }
    }

    /// Buys `count` basic plans and waits until the store has them active.
    func activeEntitlements(_ fixture: Fixture, _ count: Int) async throws -> [LocalEntitlement] {
        var ids: [EntitlementID] = []
        for _ in 0..<count {
            let purchase = try await fixture.running.control.buy(product: "example-messaging-service", plan: "basic")
            ids.append(try EntitlementID(purchase.entitlementId))
        }
        let active = try await eventually(within: .seconds(30), every: .milliseconds(50)) { () -> [LocalEntitlement]? in
            var found: [LocalEntitlement] = []
            for id in ids {
                if let local = try await fixture.store.entitlement(id), local.state == .active { found.append(local) }
            }
            return found.count == count ? found : nil
        }
        if let active { return active }
        var states: [String] = []
        for id in ids { states.append("\(id): \(String(describing: try await fixture.store.entitlement(id)?.state))") }
        throw ChildProcessError(message: "entitlements never became active: \(states)")
    }

    func record(
        _ entitlement: LocalEntitlement,
        _ metric: String,
        _ quantity: Int64,
        at time: Timestamp,
        key: String
    ) -> [String: JSONValue] {
        [
            "entitlementId": .string(entitlement.id.rawValue), "metric": .string(metric),
            "quantity": .number(Double(quantity)),
            "time": .string(time.rfc3339), "idempotencyKey": .string(key),
        ]
    }

    func post(_ fixture: Fixture, _ records: [[String: JSONValue]]) async throws -> HTTPReply {
        try await fixture.usage.post("v1/usage", ["records": JSONValue.array(records.map { .object($0) })])
    }

    func reports(_ fixture: Fixture) async throws -> Reports {
        try await fixture.running.http.get("emulator/v1/usage-reports").decode()
    }

    /// The start of the hour three hours ago: windows safely closed at real time.
    func pastHour() -> Timestamp {
        UsageWindow.containing(Timestamp(Date()).adding(seconds: -3 * 3600), length: 3600).start
    }
}
