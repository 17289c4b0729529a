import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Service Control check and report as contract §5 describes them, and the emulator's record.
@Suite(.paced) struct ServiceControlTests {
    static let service = "example-messaging-service.gcpmarketplace.example.com"

    struct Billable {
        var entitlementID: String
        var consumerID: String
    }

    /// An ACTIVE usage-priced entitlement on `basic`.
    private func billable(_ running: RunningEmulator) async throws -> Billable {
        let purchase = try await running.buy()
        try await running.approveSignup(purchase.accountId)
        _ = try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve")
        let entitlement = try await running.entitlement(purchase.entitlementId)
        return Billable(entitlementID: purchase.entitlementId, consumerID: entitlement.usageReportingId!)
    }

    private func operation(
        _ id: String,
        consumer: String,
        metric: String = "requests",
        value: AnyEncodable = AnyEncodable("150"),
        start: String = "2026-01-01T10:00:00Z",
        end: String? = "2026-01-01T11:00:00Z"
    ) -> [String: AnyEncodable] {
        var operation: [String: AnyEncodable] = [
            "operationId": AnyEncodable(id), "operationName": AnyEncodable("Hourly Usage Report"),
            "consumerId": AnyEncodable(consumer),
            "startTime": AnyEncodable(start),
            "metricValueSets": AnyEncodable([
                [
                    "metricName": AnyEncodable("\(Self.service)/\(metric)"),
                    "metricValues": AnyEncodable([["int64Value": value]]),
                ]
            ]),
        ]
        if let end { operation["endTime"] = AnyEncodable(end) }
        return operation
    }

    private func report(_ running: RunningEmulator, _ operations: [[String: AnyEncodable]]) async throws -> HTTPReply {
        try await running.http.post("v1/services/\(Self.service):report", ["operations": operations])
    }

    private func check(_ running: RunningEmulator, _ operation: [String: AnyEncodable]) async throws -> HTTPReply {
        try await running.http.post("v1/services/\(Self.service):check", ["operation": operation])
    }

    struct Reports: Decodable {
        var records: [UsageRecord]
        var totals: [String: [String: Int64]]
    }

    struct CheckReply: Decodable {
        struct CheckError: Decodable {
            var code: String
        }

        var operationId: String?
        var checkErrors: [CheckError]?
    }

    struct ReportReply: Decodable {
        struct ReportError: Decodable {
            struct Status: Decodable {
                var code: Int
            }

            var operationId: String?
            var status: Status
        }

        var reportErrors: [ReportError]?
    }

    // MARK: Tests

    @Test(
        "check, then report: accepted operations are recorded and totalled; a repeated operationId is a duplicate, counted once"
    )
    func checkThenReport() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let billable = try await billable(running)
            let checked = try await check(running, operation("op-1", consumer: billable.consumerID, end: nil)).decode(
                CheckReply.self
            )
            #expect(checked.checkErrors == nil && checked.operationId == "op-1")
            var labelled = operation("op-1", consumer: billable.consumerID)
            labelled["userLabels"] = AnyEncodable(["cloudmarketplace.googleapis.com/resource_name": "db-1"])
            let first = try await report(
                running,
                [labelled, operation("op-2", consumer: billable.consumerID, value: AnyEncodable("50"))]
            )
            #expect(try first.decode(ReportReply.self).reportErrors == nil, "\(first)")
            _ = try await report(
                running,
                [operation("op-1", consumer: billable.consumerID, value: AnyEncodable("999"))]
            )
            let reports: Reports = try await running.http.get("emulator/v1/usage-reports").decode()
            #expect(reports.totals[billable.consumerID]?["\(Self.service)/requests"] == 200)
            #expect(reports.records.filter(\.duplicate).map(\.operationId) == ["op-1"])
            #expect(reports.records.first?.userLabels?["cloudmarketplace.googleapis.com/resource_name"] == "db-1")
            #expect(reports.records.allSatisfy { $0.entitlementId == billable.entitlementID })
        }
    }

    @Test(
        "consumers Google would not bill: unknown → CONSUMER_INVALID, not yet active → SERVICE_NOT_ACTIVATED; reports answer 200 with reportErrors"
    )
    func unbillableConsumers() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let pending = try await running.entitlement(try await running.buy().entitlementId).usageReportingId!
            let unknown = try await check(running, operation("c-1", consumer: "project_number:1")).decode(
                CheckReply.self
            )
            #expect(unknown.checkErrors?.map(\.code) == ["CONSUMER_INVALID"])
            let inactive = try await check(running, operation("c-2", consumer: pending)).decode(CheckReply.self)
            #expect(inactive.checkErrors?.map(\.code) == ["SERVICE_NOT_ACTIVATED"])
            let reply = try await report(
                running,
                [operation("r-1", consumer: "project_number:1"), operation("r-2", consumer: pending)]
            )
            #expect(reply.status == 200)
            #expect(
                try reply.decode(ReportReply.self).reportErrors?.map { "\($0.operationId ?? ""):\($0.status.code)" }
                    == ["r-1:3", "r-2:9"]
            )
            #expect(try await running.http.get("emulator/v1/usage-reports").decode(Reports.self).records.isEmpty)
        }
    }

    @Test("after cancellation, windows that ended before it are still billable (the final report), later ones are not")
    func finalReportAfterCancellation() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let billable = try await billable(running)
            _ = try await running.http.post(
                "emulator/v1/entitlements/\(billable.entitlementID)/cancel",
                ["immediately": true]
            )
            let reply = try await report(
                running,
                [
                    operation("before", consumer: billable.consumerID),
                    operation(
                        "after",
                        consumer: billable.consumerID,
                        start: "2100-01-01T00:00:00Z",
                        end: "2100-01-01T01:00:00Z"
                    ),
                ]
            )
            #expect(try reply.decode(ReportReply.self).reportErrors?.map(\.operationId) == ["after"])
        }
    }

    @Test("a metric not on the plan: check refuses the request, report names the operation")
    func unknownMetric() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let billable = try await billable(running)
            #expect(
                try await check(running, operation("m-1", consumer: billable.consumerID, metric: "priority_requests"))
                    .status == 400
            )
            let reply = try await report(
                running,
                [operation("m-2", consumer: billable.consumerID, metric: "priority_requests")]
            )
            #expect(try reply.decode(ReportReply.self).reportErrors?.first?.status.code == 3)
        }
    }

    @Test("a scripted BILLING_DISABLED fails check until cleared")
    func scriptedCheckError() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let billable = try await billable(running)
            _ = try await running.http.post(
                "emulator/v1/check-errors",
                ["consumerId": billable.consumerID, "code": "BILLING_DISABLED"]
            )
            #expect(
                try await check(running, operation("s-1", consumer: billable.consumerID)).decode(CheckReply.self)
                    .checkErrors?.map(\.code) == [
                        "BILLING_DISABLED"
                    ]
            )
            _ = try await running.http.post(
                "emulator/v1/check-errors",
                ["consumerId": AnyEncodable(billable.consumerID), "code": AnyEncodable(String?.none)]
            )
            #expect(
                try await check(running, operation("s-2", consumer: billable.consumerID)).decode(CheckReply.self)
                    .checkErrors == nil
            )
        }
    }

    @Test(
        "malformed reports are refused whole with 400 INVALID_ARGUMENT and record nothing",
        arguments: [
            "int64 as a fraction", "int64 not a number", "start after end", "no endTime",
            "two values, same metric and labels", "no operationId",
            "1001 operations", "over 1 MB",
        ]
    )
    func malformed(kind: String) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let consumer = try await billable(running).consumerID
            var operations = [operation("ok", consumer: consumer)]
            switch kind {
            case "int64 as a fraction": operations.append(operation("x", consumer: consumer, value: AnyEncodable(1.5)))
            case "int64 not a number": operations.append(operation("x", consumer: consumer, value: AnyEncodable("1.5")))
            case "start after end": operations.append(operation("x", consumer: consumer, start: "2026-01-01T12:00:00Z"))
            case "no endTime": operations.append(operation("x", consumer: consumer, end: nil))
            case "two values, same metric and labels":
                var twice = operation("x", consumer: consumer)
                twice["metricValueSets"] = AnyEncodable([
                    [
                        "metricName": AnyEncodable("\(Self.service)/requests"),
                        "metricValues": AnyEncodable([["int64Value": "1"], ["int64Value": "2"]]),
                    ]
                ])
                operations.append(twice)
            case "no operationId":
                var anonymous = operation("x", consumer: consumer)
                anonymous["operationId"] = nil
                operations.append(anonymous)
            case "1001 operations": operations = (0...1000).map { operation("op-\($0)", consumer: consumer) }
            default: operations[0]["operationName"] = AnyEncodable(String(repeating: "x", count: 1_100_000))
            }
            let reply = try await report(running, operations)
            #expect(
                reply.status == 400 && reply.googleError?.status == "INVALID_ARGUMENT",
                "\(reply.status) \(reply.text.prefix(300))"
            )
            #expect(try await running.http.get("emulator/v1/usage-reports").decode(Reports.self).records.isEmpty)
        }
    }

    @Test("int64Value as a JSON number is taken as proto3 JSON takes it, exactly (2^53 + 1 kept)")
    func int64AsNumber() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let consumer = try await billable(running).consumerID
            let reply = try await report(
                running,
                [operation("as-number", consumer: consumer, value: AnyEncodable(Int64(9_007_199_254_740_993)))]
            )
            #expect(reply.status == 200, "\(reply.status) \(reply.text.prefix(300))")
            let totals = try await running.http.get("emulator/v1/usage-reports").decode(Reports.self).totals
            #expect(totals.values.flatMap(\.values).contains(9_007_199_254_740_993), "\(totals)")
        }
    }

    @Test("an unknown service → 404")
    func unknownService() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let reply = try await running.http.post(
                "v1/services/nope.example.com:report",
                ["operations": [operation("x", consumer: "c")]]
            )
            #expect(reply.status == 404 && reply.googleError?.status == "NOT_FOUND")
        }
    }
}
