import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `ServiceControlClient` against the emulator's validation and record of usage (contract §5).
@Suite(.paced) struct ServiceControlClientTests {
    static let service = "example-messaging-service.gcpmarketplace.example.com"

    struct Reports: Decodable {
        var records: [UsageRecord]
        var totals: [String: [String: Int64]]
    }

    /// An ACTIVE usage-priced entitlement's consumer id.
    private func billableConsumer(_ clients: EmulatorClients, account: String? = nil) async throws -> String {
        let purchase = try await clients.buy(account: account)
        if account == nil || account == purchase.accountId {
            try? await clients.procurement.approveAccount(purchase.account)
        }
        try await clients.procurement.approveEntitlement(purchase.entitlement)
        return try #require(try await clients.procurement.entitlement(purchase.entitlement).usageReportingId)
    }

    private func operation(
        _ id: String,
        consumer: String,
        hour: Int64,
        value: Int64,
        labels: [String: String]? = nil
    ) -> UsageOperation {
        let start = Timestamp(seconds: 1_767_225_600 + hour * 3600)
        return UsageOperation(
            operationId: id,
            consumerId: consumer,
            startTime: start,
            endTime: start.adding(seconds: 3600),
            metricValueSets: [MetricValueSet(metricName: "\(Self.service)/requests", metricValues: [.int64(value)])],
            userLabels: labels
        )
    }

    @Test("check passes for a billable consumer; report records each operation with int64 values as sent")
    func checkThenReport() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let client = ServiceControlClient(baseURL: running.baseURL, transport: clients.transport)
            let consumer = try await billableConsumer(clients)
            let labels = ["cloudmarketplace.googleapis.com/resource_name": "workspace-1"]
            let first = operation("op-1", consumer: consumer, hour: 0, value: 9_007_199_254_740_993, labels: labels)
            let check = try await client.check(serviceName: Self.service, first)
            #expect(check.checkErrors == nil || check.checkErrors?.isEmpty == true)
            let outcomes = await client.report(
                serviceName: Self.service,
                [first, operation("op-2", consumer: consumer, hour: 1, value: 5)]
            )
            #expect(outcomes.count == 1 && outcomes[0].failure == nil && outcomes[0].rejected.isEmpty)
            let reports = try await running.http.get("emulator/v1/usage-reports").decode(Reports.self)
            #expect(reports.records.map(\.operationId) == ["op-1", "op-2"])
            #expect(
                reports.records[0].value == 9_007_199_254_740_993,
                "int64 beyond a double's precision survives as a string"
            )
            #expect(reports.records[0].userLabels == labels)
        }
    }

    @Test("a scripted BILLING_DISABLED comes back as a typed check error; a bad metric is a per-operation report error")
    func checkAndReportErrors() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let client = ServiceControlClient(baseURL: running.baseURL, transport: clients.transport)
            let consumer = try await billableConsumer(clients)
            _ = try await running.http.post(
                "emulator/v1/check-errors",
                ["consumerId": consumer, "code": "BILLING_DISABLED"]
            ).decode(
                EmulatorClients.EmptyJSON.self
            )
            let check = try await client.check(
                serviceName: Self.service,
                operation("op-1", consumer: consumer, hour: 0, value: 1)
            )
            #expect(
                check.checkErrors?.map(\.code) == ["BILLING_DISABLED"] && check.checkErrors?.first?.isTransient == false
            )
            let healthy = try await billableConsumer(clients, account: "E-HEALTHY")
            var bad = operation("op-bad", consumer: healthy, hour: 0, value: 1)
            bad.metricValueSets[0].metricName = "\(Self.service)/no-such-metric"
            let outcomes = await client.report(
                serviceName: Self.service,
                [operation("op-good", consumer: healthy, hour: 0, value: 1), bad]
            )
            #expect(outcomes.count == 1 && outcomes[0].failure == nil)
            #expect(Set(outcomes[0].rejected.keys) == ["op-bad"], "\(outcomes[0].rejected)")
        }
    }

    @Test("5,000 operations go as requests of at most 1000 operations, all valid; every one is recorded once")
    func fiveThousandOperations() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let client = ServiceControlClient(baseURL: running.baseURL, transport: clients.transport)
            var consumers: [String] = []
            for index in 0..<10 { consumers.append(try await billableConsumer(clients, account: "E-\(index)")) }
            let operations = (0..<5000).map { index in
                operation("op-\(index)", consumer: consumers[index % 10], hour: Int64(index / 10), value: Int64(index))
            }
            #expect(ServiceControlClient.batches(operations).map(\.count) == [1000, 1000, 1000, 1000, 1000])
            let outcomes = await client.report(serviceName: Self.service, operations)
            #expect(outcomes.count == 5)
            #expect(
                outcomes.allSatisfy { $0.failure == nil && $0.rejected.isEmpty },
                "\(outcomes.compactMap(\.failure))"
            )
            let reports = try await running.http.get("emulator/v1/usage-reports").decode(Reports.self)
            #expect(reports.records.count == 5000 && !reports.records.contains { $0.duplicate })
            let total: Int64 = reports.totals.values.flatMap(\.values).reduce(0, +)
            let expected: Int64 = (0..<5000).reduce(0, +)
            #expect(total == expected)
        }
    }

    @Test(
        "large operations split by the 1 MB bound before the 1000-operation one, and the emulator takes every request"
    )
    func splitBySize() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let client = ServiceControlClient(baseURL: running.baseURL, transport: clients.transport)
            let consumer = try await billableConsumer(clients)
            let operations = (0..<1500).map { index in
                var operation = operation("op-\(index)", consumer: consumer, hour: Int64(index), value: 1)
                operation.operationName = "Hourly Usage Report " + String(repeating: "x", count: 2000)
                return operation
            }
            let batches = ServiceControlClient.batches(operations)
            let encoder = JSONEncoder()
            for batch in batches {
                #expect(try encoder.encode(["operations": batch]).count <= ServiceControlClient.maxRequestBytes)
            }
            #expect(batches.count >= 4 && batches.allSatisfy { $0.count < 1000 }, "\(batches.map(\.count))")
            let outcomes = await client.report(serviceName: Self.service, operations)
            #expect(
                outcomes.allSatisfy { $0.failure == nil && $0.rejected.isEmpty },
                "\(outcomes.compactMap(\.failure))"
            )
            #expect(outcomes.flatMap(\.operationIDs) == operations.map(\.operationId))
        }
    }

    @Test("a report is not resent after a 500 (its outcome is unknown); a 503 says unprocessed and is retried")
    func reportRetrySafety() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let client = ServiceControlClient(baseURL: running.baseURL, transport: clients.transport)
            let consumer = try await billableConsumer(clients)
            try await clients.setFaults(FaultPlan(rules: [.init(api: .serviceControl, errorRate: 1, status: 500)]))
            let unknown = await client.report(
                serviceName: Self.service,
                [operation("op-1", consumer: consumer, hour: 0, value: 1)]
            )
            #expect((unknown.first?.failure as? GoogleCloud.GoogleAPIError)?.httpStatus == 500)
            try await clients.setFaults(
                FaultPlan(seed: 3, rules: [.init(api: .serviceControl, errorRate: 0.5, status: 503)])
            )
            for index in 0..<20 {
                let outcomes = await client.report(
                    serviceName: Self.service,
                    [operation("op-\(index)", consumer: consumer, hour: Int64(index), value: 1)]
                )
                #expect(outcomes.first?.failure == nil, "\(String(describing: outcomes.first?.failure))")
            }
        }
    }
}
