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
        /// Cannot be reported at all (not usage-priced, unknown entitlement, content refused).
        case refused(String)
        /// Google refused Entitle itself: reporting is blocked as a whole; nothing changes here.
        case denied(String)
        /// Transient trouble: try again next pass.
        case later
    }

    struct CheckResult {
        /// The operations the verdict is about (after a re-seal, the new ones).
        var operations: [UsageOperationRecord]
        var checked: Bool
        var verdict: Verdict
        /// Operations sealed again because the entitlement was cancelled inside their window.
        var resealed = 0
    }

    /// One check per entitlement, `checkConcurrency` at a time.
    func checkAll(_ byEntitlement: [EntitlementID: [UsageOperationRecord]]) async -> [CheckResult] {
        await withTaskGroup(of: CheckResult.self) { group in
            var results: [CheckResult] = []
            var pending = byEntitlement.sorted { $0.key.rawValue < $1.key.rawValue }[...]
            for _ in 0..<max(1, settings.checkConcurrency) {
                guard let (id, operations) = pending.popFirst() else { break }
                group.addTask { await check(id, operations, mayRefresh: true) }
            }
            while let result = await group.next() {
                results.append(result)
                if let (id, operations) = pending.popFirst() {
                    group.addTask { await check(id, operations, mayRefresh: true) }
                }
            }
            return results
        }
    }

    /// - Parameter mayRefresh: a refused check may re-read the entitlement (once).
    private func check(_ id: EntitlementID, _ records: [UsageOperationRecord], mayRefresh: Bool) async -> CheckResult {
        var records = records
        var resealed = 0
        do {
            guard let entitlement = try await store.entitlement(id) else {
                return CheckResult(
                    operations: records,
                    checked: false,
                    verdict: .refused("entitlement \(id) is not known to Entitle")
                )
            }
            // Cancelled inside windows sealed before Entitle knew: those end at the cancellation now.
            if let cancelled = UsageValidation.cancellationTime(entitlement),
                records.contains(where: { $0.window.end > cancelled })
            {
                let written = try await store.resealUsage(
                    id,
                    cancelledAt: cancelled,
                    sealing: sealing(cutoff: now(), finals: [:]),
                    at: now()
                )
                resealed = written.count
                records = try await store.usageOperations(
                    statuses: [.pending, .unknown, .checkFailed],
                    entitlement: id,
                    limit: Int.max
                )
                guard !records.isEmpty else {
                    return CheckResult(operations: [], checked: false, verdict: .later, resealed: resealed)
                }
            }
            guard let consumer = entitlement.resource.usageReportingId,
                let service = entitlement.resource.productExternalName
            else {
                return CheckResult(
                    operations: records,
                    checked: false,
                    verdict: .refused("entitlement \(id) has no usageReportingId or service name"),
                    resealed: resealed
                )
            }
            let operations = records.map { operation($0, consumer: consumer, service: service) }
            let blocked = try await store.usageCursor(id)?.blockedReason != nil
            var reason: String
            do {
                let result = try await serviceControl.check(serviceName: service, operations[0])
                let errors = (result.checkErrors ?? []).filter { !$0.isTransient }
                if !(result.checkErrors ?? []).isEmpty, errors.isEmpty {
                    return CheckResult(operations: records, checked: true, verdict: .later, resealed: resealed)
                }
                if errors.isEmpty {
                    if blocked { try await block(entitlement, reason: nil) }
                    return CheckResult(
                        operations: records,
                        checked: true,
                        verdict: .report(service: service, operations: operations),
                        resealed: resealed
                    )
                }
                reason = errors.map { "\($0.code)\($0.detail.map { ": \($0)" } ?? "")" }.joined(separator: "; ")
            } catch {
                switch ServiceControlFailure(error) {
                case .transient: throw error
                case .access:
                    return CheckResult(
                        operations: records,
                        checked: false,
                        verdict: .denied("check refused: \(error)"),
                        resealed: resealed
                    )
                case .content:
                    // Google refused the operation itself (a metric its plan does not define, …):
                    // sending it again unchanged cannot help; it waits for an administrator's re-run.
                    return CheckResult(
                        operations: records,
                        checked: true,
                        verdict: .refused("check refused: \(error)"),
                        resealed: resealed
                    )
                case .precondition, .refused: reason = "check refused: \(error)"
                }
            }
            // Refused for this customer. Perhaps the entitlement ended and Entitle does not know yet:
            // re-read it before blocking; a cancellation re-seals and checks again.
            if mayRefresh, let refresh, let refreshed = try await refresh(id), refreshed.state != entitlement.state {
                var again = await check(id, records, mayRefresh: false)
                again.resealed += resealed
                return again
            }
            if !blocked { try await block(entitlement, reason: reason) }
            return CheckResult(operations: records, checked: true, verdict: .blocked(reason), resealed: resealed)
        } catch {
            logger.warning(
                "usage check failed; retried next pass",
                metadata: ["entitlement": "\(id)", "error": "\(error)"]
            )
            return CheckResult(operations: records, checked: false, verdict: .later, resealed: resealed)
        }
    }

    /// Blocks (with a reason) or unblocks the entitlement's reporting; the first block of an
    /// episode queues one `usage.check_failed` callback.
    private func block(_ entitlement: LocalEntitlement, reason: String?) async throws {
        let time = now()
        let subject = "entitlements/\(entitlement.id.rawValue)"
        var callback: OutboxItem?
        if let reason {
            let request = CallbackRequest(
                kind: .usageCheckFailed,
                accountID: entitlement.accountID,
                entitlementID: entitlement.id
            )
            callback = usageCallback(
                request,
                cause: "usage-check:\(time.rfc3339)",
                entitlement: entitlement.resource,
                detail: reason,
                at: time
            )
        }
        let summary =
            reason.map { "usage reporting blocked: check failed (\($0))" } ?? "usage reporting resumed: check passed"
        let audit = AuditEntry(at: time, kind: .usage, subject: subject, summary: summary)
        if try await store.setUsageBlocked(entitlement.id, reason: reason, at: time, audit: audit, callback: callback) {
            logger.notice("\(summary)", metadata: ["entitlement": "\(entitlement.id)"])
        }
    }

    /// Blocks (with a reason) or unblocks all reporting after Google refused (or accepted again)
    /// Entitle's access; the first block of an episode queues one `usage.reporting_blocked` callback.
    func setAccessDenied(_ reason: String?) async throws {
        let time = now()
        let callback = reason.map {
            usageCallback(
                CallbackRequest(kind: .usageReportingBlocked, accountID: nil, entitlementID: nil),
                cause: "usage-access:\(time.rfc3339)",
                entitlement: nil,
                detail: $0,
                at: time
            )
        }
        let summary =
            reason.map { "usage reporting blocked: Google refused Entitle's access to Service Control (\($0))" }
            ?? "usage reporting resumed: Service Control accepts Entitle again"
        let audit = AuditEntry(at: time, kind: .usage, subject: "usage", summary: summary)
        if try await store.setUsageReportingBlocked(reason: reason, at: time, audit: audit, callback: callback) {
            if reason == nil { logger.notice("\(summary)") } else { logger.error("\(summary)") }
            if let reason { attention?.notify(.usageReportingBlocked(reason: reason)) }
        }
    }

    private func usageCallback(
        _ request: CallbackRequest,
        cause: String,
        entitlement: Entitlement?,
        detail: String,
        at time: Timestamp
    ) -> OutboxItem {
        var message = CallbackMessage(
            request: request,
            cause: cause,
            eventID: nil,
            entitlement: entitlement,
            createdAt: time
        )
        message.detail = detail
        return message.outboxItem(request)
    }

    func operation(_ record: UsageOperationRecord, consumer: String, service: String) -> UsageOperation {
        UsageOperation(
            operationId: record.id,
            operationName: settings.operationName,
            consumerId: consumer,
            startTime: record.window.start,
            endTime: record.window.end,
            metricValueSets: [
                MetricValueSet(metricName: "\(service)/\(record.metric)", metricValues: [.int64(record.quantity)])
            ],
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
        let toSend = try await store.usageOperations(
            statuses: [.pending, .unknown, .checkFailed],
            entitlement: nil,
            limit: 10_000
        )
        return Preview(at: time, toSend: toSend, toSeal: toSeal)
    }
}
