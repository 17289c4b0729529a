public import EntitleStore
import Foundation
import GoogleCloud
import Logging
public import MarketplaceCore

extension UsageReporter {
    enum Verdict {
        /// Checked (or nothing to check): report these to this service.
        case report(service: String, operations: [UsageOperation])
        /// The check failed for the customer (billing disabled, …): blocked until it passes.
        case blocked(String)
        /// Cannot be reported at all (not usage-priced, unknown entitlement).
        case refused(String)
        /// Transient trouble: try again next pass.
        case later
    }

    struct CheckResult {
        var operations: [UsageOperationRecord]
        var checked: Bool
        var verdict: Verdict
    }

    /// One check per entitlement, `checkConcurrency` at a time.
    func checkAll(_ byEntitlement: [EntitlementID: [UsageOperationRecord]]) async -> [CheckResult] {
        await withTaskGroup(of: CheckResult.self) { group in
            var results: [CheckResult] = []
            var pending = byEntitlement.sorted { $0.key.rawValue < $1.key.rawValue }[...]
            for _ in 0..<max(1, settings.checkConcurrency) {
                guard let (id, operations) = pending.popFirst() else { break }
                group.addTask { await check(id, operations) }
            }
            while let result = await group.next() {
                results.append(result)
                if let (id, operations) = pending.popFirst() { group.addTask { await check(id, operations) } }
            }
            return results
        }
    }

    private func check(_ id: EntitlementID, _ records: [UsageOperationRecord]) async -> CheckResult {
        do {
            guard let entitlement = try await store.entitlement(id) else {
                return CheckResult(operations: records, checked: false, verdict: .refused("entitlement \(id) is not known to Entitle"))
            }
            guard let consumer = entitlement.resource.usageReportingId, let service = entitlement.resource.productExternalName else {
                return CheckResult(
                    operations: records,
                    checked: false,
                    verdict: .refused("entitlement \(id) has no usageReportingId or service name")
                )
            }
            let operations = records.map { operation($0, consumer: consumer, service: service) }
            let blocked = try await store.usageCursor(id)?.blockedReason != nil
            let result = try await serviceControl.check(serviceName: service, operations[0])
            let errors = (result.checkErrors ?? []).filter { !$0.isTransient }
            if !(result.checkErrors ?? []).isEmpty, errors.isEmpty {
                return CheckResult(operations: records, checked: true, verdict: .later)
            }
            guard errors.isEmpty else {
                let reason = errors.map { "\($0.code)\($0.detail.map { ": \($0)" } ?? "")" }.joined(separator: "; ")
                if !blocked { try await block(entitlement, reason: reason) }
                return CheckResult(operations: records, checked: true, verdict: .blocked(reason))
            }
            if blocked { try await block(entitlement, reason: nil) }
            return CheckResult(operations: records, checked: true, verdict: .report(service: service, operations: operations))
        } catch let error as GoogleAPIError where UsageReporter.isRefusal(error) {
            // Google refused the operation itself (a metric its plan does not define, …): sending
            // it again unchanged cannot help; it waits, visible, for an administrator's re-run.
            return CheckResult(operations: records, checked: true, verdict: .refused("check refused: \(error)"))
        } catch {
            logger.warning("usage check failed; retried next pass", metadata: ["entitlement": "\(id)", "error": "\(error)"])
            return CheckResult(operations: records, checked: false, verdict: .later)
        }
    }

    /// Blocks (with a reason) or unblocks the entitlement's reporting; the first block of an
    /// episode queues one `usage.check_failed` callback.
    private func block(_ entitlement: LocalEntitlement, reason: String?) async throws {
        let time = now()
        let subject = "entitlements/\(entitlement.id.rawValue)"
        var callback: OutboxItem?
        if let reason {
            let request = CallbackRequest(kind: .usageCheckFailed, accountID: entitlement.accountID, entitlementID: entitlement.id)
            var message = CallbackMessage(
                request: request,
                cause: "usage-check:\(time.rfc3339)",
                eventID: nil,
                entitlement: entitlement.resource,
                createdAt: time
            )
            message.detail = reason
            callback = message.outboxItem(request)
        }
        let summary = reason.map { "usage reporting blocked: check failed (\($0))" } ?? "usage reporting resumed: check passed"
        let audit = AuditEntry(at: time, kind: .usage, subject: subject, summary: summary)
        if try await store.setUsageBlocked(entitlement.id, reason: reason, at: time, audit: audit, callback: callback) {
            logger.notice("\(summary)", metadata: ["entitlement": "\(entitlement.id)"])
        }
    }

    func operation(_ record: UsageOperationRecord, consumer: String, service: String) -> UsageOperation {
        UsageOperation(
            operationId: record.id,
            operationName: settings.operationName,
            consumerId: consumer,
            startTime: record.window.start,
            endTime: record.window.end,
            metricValueSets: [MetricValueSet(metricName: "\(service)/\(record.metric)", metricValues: [.int64(record.quantity)])],
            userLabels: record.labels.isEmpty ? nil : record.labels
        )
    }
}

extension UsageReporter {
    /// What a pass now would do, without doing it (`entitle usage report --dry-run`).
    public struct Preview: Codable, Sendable {
        public var at: Timestamp
        /// Ledger operations a pass would check and report (pending, unknown, check failed).
        public var toSend: [UsageOperationRecord]
        /// Usage a pass would seal first: closed windows, and all of cancelled entitlements.
        public var toSeal: [UsageAggregate]
    }

    public func preview() async throws -> Preview {
        let time = now()
        // The same choice `pass` makes: closed windows, and all of a cancelled entitlement's.
        let finals = try await finals(at: time)
        let toSeal = try await store.unsealedUsage(entitlement: nil).filter {
            $0.windowStart.adding(seconds: settings.windowLength) <= time || finals[$0.entitlementID] != nil
        }
        let toSend = try await store.usageOperations(statuses: [.pending, .unknown, .checkFailed], entitlement: nil, limit: 10_000)
        return Preview(at: time, toSend: toSend, toSeal: toSeal)
    }
}
