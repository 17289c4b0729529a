import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Usage metering end to end: the vendor app's records through `POST /v1/usage` into a real
/// SQLite file, reporting passes to the emulator's Service Control, checked against what the
/// emulator recorded as billed.
@Suite(.paced) struct UsageTests {
    @Test(
        "records are summed per entitlement, metric and hour and reported once; a repeated key is a duplicate; late usage goes to the next open window"
    )
    func reportOnce() async throws {
        try await withUsage { fixture in
            let entitlements = try await activeEntitlements(fixture, 2)
            let (first, second) = (entitlements[0], entitlements[1])
            let hour = pastHour()
            let accepted = try await post(
                fixture,
                [
                    record(first, "requests", 10, at: hour.adding(seconds: 60), key: "a"),
                    record(first, "requests", 5, at: hour.adding(seconds: 1800), key: "b"),
                    record(first, "storage_gib", 3, at: hour.adding(seconds: 2400), key: "c"),
                    record(second, "requests", 7, at: hour.adding(seconds: 3900), key: "d"),
                ]
            )
            #expect(accepted.status == 202, "\(accepted)")
            let again = try await post(fixture, [record(first, "requests", 10, at: hour.adding(seconds: 60), key: "a")])
            #expect(try again.decode(Accepted.self).results.map(\.status) == ["duplicate"])
            let clash = try await post(
                fixture,
                [
                    record(first, "requests", 11, at: hour.adding(seconds: 60), key: "a"),
                    record(first, "requests", 1, at: hour, key: "e"),
                ]
            )
            #expect(clash.status == 409 && clash.text.contains("\"a\""), "\(clash)")

            let clock = ManualClock(hour.adding(seconds: 2 * 3600 + 1))
            let summary = try await fixture.reporter(clock).pass()
            #expect(summary.sealed == 3 && summary.reported == 3 && summary.reportRequests == 1, "\(summary)")
            var billed = try await reports(fixture)
            let firstConsumer = try #require(first.resource.usageReportingId)
            let service = "example-messaging-service.gcpmarketplace.example.com"
            #expect(
                billed.totals[firstConsumer]?["\(service)/requests"] == 15,
                "key e was not recorded: \(billed.totals)"
            )
            #expect(billed.totals[firstConsumer]?["\(service)/storage_gib"] == 3)
            #expect(billed.totals[try #require(second.resource.usageReportingId)]?["\(service)/requests"] == 7)

            // Late: stamped in the first (already reported) hour, counted in the first open one.
            let late = try await post(fixture, [record(first, "requests", 4, at: hour.adding(seconds: 600), key: "f")])
            #expect(
                try late.decode(Accepted.self).results.first?.windowStart == hour.adding(seconds: 2 * 3600),
                "\(late)"
            )
            clock.advance(seconds: 3600)
            #expect(try await fixture.reporter(clock).pass().reported == 1)
            let idle = try await fixture.reporter(clock).pass()
            #expect(idle.sealed == 0 && idle.reportRequests == 0 && idle.checks == 0, "nothing twice: \(idle)")
            billed = try await reports(fixture)
            #expect(billed.totals[firstConsumer]?["\(service)/requests"] == 19)
            #expect(billed.records.allSatisfy { !$0.duplicate }, "no operation sent twice")
            let cursor = try await fixture.store.usageCursor(first.id)
            #expect(cursor?.reportedUntil == hour.adding(seconds: 3 * 3600))
        }
    }

    @Test(
        "bad usage requests: 401 without the key, 400 for unknown fields or malformed JSON, 413 over 1 MiB, 422 with every reason, and nothing recorded"
    )
    func badRequests() async throws {
        try await withUsage { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            let now = Timestamp(Date())
            #expect(try await fixture.usage.anonymous.post("v1/usage", ["records": JSONValue.array([])]).status == 401)
            var misspelt = record(entitlement, "requests", 1, at: now, key: "m")
            misspelt["qty"] = .number(1)
            let unknown = try await post(fixture, [misspelt])
            #expect(unknown.status == 400 && unknown.text.contains("qty"), "\(unknown)")
            let fraction = try await post(
                fixture,
                [record(entitlement, "requests", 1, at: now, key: "x").merging(["quantity": .number(1.5)]) { $1 }]
            )
            #expect(fraction.status == 400 && fraction.text.contains("quantity"), "\(fraction)")
            let notJSON = try await fixture.usage.send("POST", "v1/usage", raw: Data("quantity=1".utf8))
            #expect(notJSON.status == 400)
            let huge = try await fixture.usage.send(
                "POST",
                "v1/usage",
                raw: Data(repeating: 0x20, count: 2 * 1024 * 1024)
            )
            #expect(huge.status == 413)
            let invalid = try await post(
                fixture,
                [
                    record(entitlement, "requests", 1, at: now, key: "ok"),
                    record(entitlement, "priority_requests", 1, at: now, key: "p"),
                    record(entitlement, "requests", -1, at: now, key: "n"),
                    record(entitlement, "requests", 1, at: now.adding(seconds: 3600), key: "future"),
                    [
                        "entitlementId": .string("no-such-entitlement"), "metric": .string("requests"),
                        "quantity": .number(1),
                        "idempotencyKey": .string("u"),
                    ],
                ]
            )
            #expect(invalid.status == 422, "\(invalid)")
            for reason in ["not a metric of plan basic", "negative", "in the future", "not known to Entitle"] {
                #expect(invalid.text.contains(reason), "\(reason): \(invalid.text)")
            }
            #expect(
                try await fixture.store.unsealedUsage(entitlement: nil).isEmpty,
                "nothing of a rejected batch is kept"
            )

            // An app that knows the account and product rather than the entitlement.
            let account = try #require(entitlement.accountID)
            var byAccount = record(entitlement, "requests", 2, at: now, key: "by-account")
            byAccount["entitlementId"] = nil
            byAccount["accountId"] = .string(account.rawValue)
            byAccount["product"] = .string("example-messaging-service")
            let resolved = try await post(fixture, [byAccount])
            #expect(resolved.status == 202, "\(resolved)")
            #expect(try await fixture.store.unsealedUsage(entitlement: entitlement.id).map(\.quantity) == [2])
            byAccount["product"] = .string("example-analytics")
            byAccount["idempotencyKey"] = .string("other-product")
            let unknownProduct = try await post(fixture, [byAccount])
            #expect(
                unknownProduct.status == 422 && unknownProduct.text.contains("no single entitlement"),
                "\(unknownProduct)"
            )
        }
    }

    @Test(
        "a failed check blocks the entitlement's reporting with one usage.check_failed callback; reporting resumes when the check passes"
    )
    func checkFailure() async throws {
        try await withUsage { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            let consumer = try #require(entitlement.resource.usageReportingId)
            let hour = pastHour()
            _ = try await post(fixture, [record(entitlement, "requests", 12, at: hour, key: "k1")])
            _ = try await fixture.running.http.post(
                "emulator/v1/check-errors",
                ["consumerId": consumer, "code": "BILLING_DISABLED"]
            )
            let clock = ManualClock(hour.adding(seconds: 3601))
            let blocked = try await fixture.reporter(clock).pass()
            #expect(blocked.checkFailures == 1 && blocked.reported == 0 && blocked.reportRequests == 0, "\(blocked)")
            #expect(
                try await fixture.store.usageCursor(entitlement.id)?.blockedReason?.contains("BILLING_DISABLED") == true
            )
            _ = try await fixture.reporter(clock).pass()
            let callbacks = try await fixture.store.callbacks(status: nil, limit: 100).filter {
                $0.kind == .usageCheckFailed
            }
            #expect(
                callbacks.count == 1 && callbacks[0].body.contains("BILLING_DISABLED"),
                "one callback per blocked episode: \(callbacks.count)"
            )
            #expect(try await reports(fixture).records.isEmpty)

            _ = try await fixture.running.http.post(
                "emulator/v1/check-errors",
                ["consumerId": .string(consumer), "code": JSONValue.null]
            )
            let resumed = try await fixture.reporter(clock).pass()
            #expect(resumed.reported == 1, "\(resumed)")
            #expect(try await fixture.store.usageCursor(entitlement.id)?.blockedReason == nil)
            #expect(
                try await reports(fixture).totals[consumer]?[
                    "example-messaging-service.gcpmarketplace.example.com/requests"
                ] == 12
            )
            let audit = try await fixture.store.auditLog(subject: "entitlements/\(entitlement.id.rawValue)", limit: 50)
                .filter { $0.kind == .usage }
            #expect(audit.count == 2, "blocked, then resumed: \(audit.map(\.summary))")
        }
    }

    @Test(
        "10,000 records with repeated keys and late ones, 30% of Service Control calls 503 and 10% of answers lost: per entitlement and metric the billed sum equals the accepted sum, no window billed twice"
    )
    func exactlyOnceUnderFaults() async throws {
        // 503s (Google did not take the call) and lost answers (it did, the caller cannot know).
        let faults = FaultPlan(
            seed: 6,
            rules: [.init(api: .serviceControl, errorRate: 0.3, status: 503, lostResponseRate: 0.1)]
        )
        try await withUsage(faults: faults) { fixture in
            let entitlements = try await activeEntitlements(fixture, 20)
            let base = UsageWindow.containing(Timestamp(Date()).adding(seconds: -9 * 3600), length: 3600).start
            var random = SeededRandom(seed: 10_000)
            var sent: [[String: JSONValue]] = []
            var accepted: [String: (consumer: String, metric: String, quantity: Int64)] = [:]
            let clock = ManualClock(base.adding(seconds: 3601))
            var summaries: [UsageReporter.PassSummary] = []
            for batch in 0..<20 {
                var records: [[String: JSONValue]] = []
                for index in 0..<500 {
                    if !sent.isEmpty, random.next() % 10 == 0 {
                        records.append(sent[Int(random.next() % UInt64(sent.count))])  // a retry of an earlier record
                        continue
                    }
                    let entitlement = entitlements[Int(random.next() % 20)]
                    let metric = random.next() % 3 == 0 ? "storage_gib" : "requests"
                    let quantity = Int64(random.next() % 100)
                    let time = base.adding(seconds: Int64(random.next() % (5 * 3600)))
                    let key = "r-\(batch)-\(index)"
                    records.append(record(entitlement, metric, quantity, at: time, key: key))
                    accepted[key] = (entitlement.resource.usageReportingId ?? "", metric, quantity)
                }
                let reply = try await post(fixture, records)
                #expect(reply.status == 202, "batch \(batch): \(reply.status) \(reply.text.prefix(300))")
                sent += records
                // Reporting runs while records arrive: later records for reported hours are late.
                if batch % 4 == 3 {
                    summaries.append(try await fixture.reporter(clock).pass())
                    clock.advance(seconds: 3600)
                }
            }
            clock.advance(seconds: 2 * 3600)
            var passes = 0
            while passes < 30 {
                passes += 1
                summaries.append(try await fixture.reporter(clock).pass())
                if try await fixture.store.usageOperations(
                    statuses: [.pending, .unknown, .checkFailed, .rejected],
                    entitlement: nil,
                    limit: 1
                )
                .isEmpty {
                    break
                }
            }
            #expect(try await fixture.store.unsealedUsage(entitlement: nil).isEmpty)
            #expect(
                try await fixture.store.usageOperations(
                    statuses: [.pending, .unknown, .checkFailed, .rejected],
                    entitlement: nil,
                    limit: 10
                ).isEmpty
            )

            var expected: [String: [String: Int64]] = [:]
            let service = "example-messaging-service.gcpmarketplace.example.com"
            for (_, value) in accepted {
                expected[value.consumer, default: [:]]["\(service)/\(value.metric)", default: 0] += value.quantity
            }
            let billed = try await reports(fixture)
            #expect(billed.totals == expected, "billed sums equal accepted sums")
            let problems = BilledUsage.problems(billed.records)
            #expect(problems.isEmpty, "no window billed twice, no operationId with two values: \(problems.prefix(5))")
            let requests = summaries.map(\.reportRequests).reduce(0, +)
            print(
                "usage under faults: \(sent.count) records (\(accepted.count) distinct), \(billed.records.count) operations billed, \(summaries.count) passes, \(requests) report requests, last: \(summaries.last.map { "\($0)" } ?? "")"
            )
        }
    }

    @Test(
        "a cancelled entitlement's last usage is reported in a window ending at the cancellation, and nothing is accepted after it"
    )
    func finalReport() async throws {
        try await withUsage(emulatorStart: nil) { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            let consumer = try #require(entitlement.resource.usageReportingId)
            let used = try #require(entitlement.resource.createTime)
            #expect(
                try await post(fixture, [record(entitlement, "requests", 8, at: used, key: "before")]).status == 202
            )
            try await fixture.running.control.cancel(entitlement.id.rawValue, immediately: true)
            let deadline = ContinuousClock.now + .seconds(15)
            while try await fixture.store.entitlement(entitlement.id)?.state != .cancelled,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(50))
            }
            let after = try await post(
                fixture,
                [record(entitlement, "requests", 1, at: Timestamp(Date()).adding(seconds: 2), key: "after")]
            )
            #expect(after.status == 422 && after.text.contains("cancelled"), "\(after)")
            let clock = ManualClock(Timestamp(Date()))
            let summary = try await fixture.reporter(clock).pass()
            #expect(summary.reported == 1 && summary.rejected == 0, "the final window is billable: \(summary)")
            let billed = try await reports(fixture).records.filter { $0.consumerId == consumer }
            #expect(billed.count == 1 && billed[0].value == 8 && billed[0].endTime <= clock.now, "\(billed)")
            #expect(try await fixture.store.usageCursor(entitlement.id)?.isFinal == true)
            let late = try await post(fixture, [record(entitlement, "requests", 1, at: used, key: "late")])
            #expect(late.status == 422 && late.text.contains("final usage was already reported"), "\(late)")
            let retry = try await post(fixture, [record(entitlement, "requests", 8, at: used, key: "before")])
            #expect(
                retry.status == 202 && retry.text.contains("duplicate"),
                "the app's retry of an accepted record still succeeds: \(retry)"
            )
        }
    }

    struct Preview: Decodable {
        var toSend: [UsageOperationRecord]
        var toSeal: [UsageAggregate]
    }

    struct LedgerView: Decodable {
        var cursor: UsageCursor?
        var operations: [UsageOperationRecord]
    }

    @Test(
        "admin: a dry run (API and `entitle usage report --dry-run`) shows what would be sent and sends nothing; a pass on demand; a reported operation cannot be re-run"
    )
    func adminUsage() async throws {
        try await withUsage(reporting: true) { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            _ = try await post(fixture, [record(entitlement, "requests", 3, at: pastHour(), key: "x")])
            let preview = try await fixture.admin.get("api/admin/usage/preview").decode(Preview.self)
            #expect(preview.toSeal.map(\.quantity) == [3] && preview.toSend.isEmpty, "\(preview)")
            let cli = try await ChildProcess.run(
                try ChildProcess.builtExecutable("entitle"),
                arguments: [
                    "usage", "report", "--dry-run", "--url", fixture.admin.baseURL.absoluteString, "--token",
                    Self.adminToken,
                ]
            )
            #expect(
                cli.status == 0 && cli.output.contains("toSeal") && cli.output.contains(entitlement.id.rawValue),
                "\(cli)"
            )
            #expect(try await reports(fixture).records.isEmpty, "a dry run sends nothing")
            let pass = try await fixture.admin.post("api/admin/usage/report")
            #expect(pass.status == 200 && pass.text.contains("\"reported\":1"), "\(pass)")
            let ledger = try await fixture.admin.get("api/admin/usage?entitlement=\(entitlement.id.rawValue)").decode(
                LedgerView.self
            )
            let operation = try #require(ledger.operations.first)
            #expect(operation.status == .reported && ledger.cursor?.reportedUntil == operation.window.end)
            #expect(try await fixture.admin.post("api/admin/usage/operations/\(operation.id)/rerun").status == 409)
            #expect(try await fixture.admin.post("api/admin/usage/operations/nope/rerun").status == 404)
            #expect(try await fixture.admin.get("api/admin/usage?status=bogus").status == 400)
        }
    }

    @Test(
        "an operation Google's check refuses (a metric its plan does not define) is rejected with Google's reason, not retried forever; an administrator's re-run sends it again"
    )
    func refusedCheck() async throws {
        try await withUsage(reporting: true, extraMetric: "bogus") { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            #expect(try await post(fixture, [record(entitlement, "bogus", 4, at: pastHour(), key: "b")]).status == 202)
            let clock = ManualClock(Timestamp(Date()))
            let summary = try await fixture.reporter(clock).pass()
            #expect(summary.rejected == 1 && summary.reported == 0, "\(summary)")
            let operation = try #require(
                try await fixture.store.usageOperations(statuses: [.rejected], entitlement: entitlement.id, limit: 10)
                    .first
            )
            #expect(operation.lastError?.contains("not defined") == true, "\(String(describing: operation.lastError))")
            let rerun = try await fixture.admin.post("api/admin/usage/operations/\(operation.id)/rerun")
            #expect(
                rerun.status == 200 && (try? rerun.decode(UsageOperationRecord.self))?.status == .pending,
                "\(rerun)"
            )
            #expect(try await fixture.reporter(clock).pass().rejected == 1, "refused again, still not billed")
            #expect(try await reports(fixture).records.isEmpty)
        }
    }
}
