public import EntitleStore
public import Foundation
public import GoogleCloud
public import Logging
public import MarketplaceCore
public import ServiceLifecycle

/// Reports recorded usage to Service Control (contract §5), exactly once per window.
///
/// Each pass: seal every closed window into the ledger (one operation per entitlement × metric ×
/// labels × window, with a UUIDv5 id, written before Google is called); check each entitlement
/// with one of its operations; report the operations of those that pass, in batches; record each
/// request's outcome as soon as it is known. A crash or an unknown outcome leaves operations
/// pending or unknown, and the next pass sends them again with the same ids and values.
///
/// Nothing about one entitlement stops the others: a sum that cannot be sealed, a failed check
/// (one `usage.check_failed` callback), a refused operation (a request Google refuses whole is
/// split until the culprit is alone) are recorded against that entitlement. A check or report
/// refused because the entitlement ended is re-read first: an entitlement cancelled inside a
/// window sealed before Entitle knew has that window sealed again, ending at the cancellation.
/// Google refusing Entitle itself (401/403) blocks reporting as a whole, visibly, with one
/// `usage.reporting_blocked` callback, and rejects nothing.
public struct UsageReporter: Service {
    public struct Settings: Sendable {
        public var windowLength: Int64
        public var interval: Duration
        /// Checks in flight at once (one per entitlement with usage to send).
        public var checkConcurrency: Int
        public var operationName: String
        /// Entitlements sealed in one transaction, then checked and reported together: a pass's
        /// memory is bounded by this, not by how many entitlements there are.
        public var chunkSize: Int

        public init(
            windowLength: Int64 = 3600,
            interval: Duration = .seconds(3600),
            checkConcurrency: Int = 16,
            operationName: String = "Hourly usage",
            chunkSize: Int = 1000
        ) {
            self.windowLength = windowLength
            self.interval = interval
            self.checkConcurrency = checkConcurrency
            self.operationName = operationName
            self.chunkSize = max(1, chunkSize)
        }
    }

    /// What one pass did.
    public struct PassSummary: Hashable, Sendable, Codable {
        public var sealed = 0
        /// Entitlements whose usage could not be sealed (recorded on their cursors).
        public var sealingFailures = 0
        /// Operations sealed again because their entitlement was cancelled inside their window.
        public var resealed = 0
        public var checks = 0
        public var checkFailures = 0
        public var reported = 0
        public var rejected = 0
        public var unknown = 0
        public var reportRequests = 0
        /// Google refused Entitle's access: reporting is blocked (nothing rejected).
        public var accessDenied = false
    }

    /// Re-reads an entitlement from Google and records what it shows (`NotificationProcessor.reconcile`).
    public typealias Refresh = @Sendable (EntitlementID) async throws -> LocalEntitlement?

    let store: any Store
    let serviceControl: ServiceControlClient
    let settings: Settings
    let refresh: Refresh?
    /// Only the leading replica reports; a pass stops sending when it no longer leads.
    let leadership: any LeaderElection
    let logger: Logger
    let metrics: EntitleMetrics
    let attention: AttentionQueue?
    let now: @Sendable () -> Timestamp
    /// Shared by every copy: a pass on demand (admin) and the scheduled one never overlap.
    private let passes = SubjectLocks()

    public init(
        store: any Store,
        serviceControl: ServiceControlClient,
        settings: Settings = Settings(),
        refresh: Refresh? = nil,
        leadership: any LeaderElection = SingleProcessLeadership(replica: ReplicaName.current),
        logger: Logger = Logger(label: "entitle.usage"),
        metrics: EntitleMetrics = EntitleMetrics(enabled: false),
        attention: AttentionQueue? = nil,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.metrics = metrics
        self.attention = attention
        self.store = store
        self.serviceControl = serviceControl
        self.settings = settings
        self.refresh = refresh
        self.leadership = leadership
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await LeaderPasses(interval: settings.interval, leadership: leadership, logger: logger, name: "usage pass").run
        {
            let summary = try await pass()
            logger.info("usage pass", metadata: ["summary": "\(summary)"])
        }
    }

    /// One pass: seal, check, report, record. Safe to run at any time and again after a crash;
    /// a second caller waits for the pass in progress.
    @discardableResult
    public func pass() async throws -> PassSummary {
        try await passes.withLock("pass") {
            let started = ContinuousClock.now
            let summary = try await unlockedPass()
            metrics.record(EntitleMetrics.Name.usagePassDuration, [], ContinuousClock.now - started)
            for (outcome, count) in [
                ("reported", summary.reported), ("rejected", summary.rejected), ("unknown", summary.unknown),
            ] where count > 0 {
                metrics.increment(EntitleMetrics.Name.usageOperationsSent, [("outcome", outcome)], by: count)
            }
            return summary
        }
    }

    private func unlockedPass() async throws -> PassSummary {
        var summary = PassSummary()
        let time = now()
        // A chunk of entitlements at a time, sealed then sent: memory stays bounded however many
        // there are, and each sealing transaction is short (notification commits wait for it).
        var chunk = sealing(cutoff: time, finals: try await finals(at: time))
        chunk.limit = settings.chunkSize
        repeat {
            let sealed = try await store.sealUsage(chunk, at: time)
            summary.sealed += sealed.operations.count
            summary.sealingFailures += sealed.failures.count
            for (id, reason) in sealed.failures.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                logger.error(
                    "usage of one entitlement could not be sealed; the others were",
                    metadata: ["entitlement": "\(id)", "error": "\(reason)"]
                )
            }
            chunk.after = sealed.next
        } while chunk.after != nil
        var ended: Set<EntitlementID> = []
        var after: EntitlementID?
        while true {
            let due = try await store.usageOperations(
                statuses: [.pending, .unknown, .checkFailed],
                entitlementsAfter: after,
                entitlements: settings.chunkSize
            )
            guard let last = due.last?.entitlementID else { break }
            ended.formUnion(try await round(due, &summary))
            // Google refuses Entitle itself: the next chunks would be refused too (and a later
            // chunk's passing check must not lift the block this one found).
            if summary.accessDenied { break }
            after = last
        }
        // Refused because the entitlement ended: re-read it; if it was cancelled inside windows
        // sealed before Entitle knew, those are sealed again and sent in this pass.
        guard let refresh, !ended.isEmpty else { return summary }
        var resealed: [UsageOperationRecord] = []
        for id in ended.sorted(by: { $0.rawValue < $1.rawValue }) {
            guard let entitlement = try await refresh(id), let cancelled = UsageValidation.cancellationTime(entitlement)
            else { continue }
            resealed += try await store.resealUsage(
                id,
                cancelledAt: cancelled,
                sealing: sealing(cutoff: time, finals: [:]),
                at: now()
            )
        }
        summary.resealed += resealed.count
        if !resealed.isEmpty { _ = try await round(resealed, &summary) }
        return summary
    }

    /// Checks and reports `operations`; returns the entitlements Google called not billable in a
    /// report, to be re-read.
    private func round(
        _ operations: [UsageOperationRecord],
        _ summary: inout PassSummary
    ) async throws -> Set<EntitlementID> {
        let checked = await checkAll(Dictionary(grouping: operations, by: \.entitlementID))
        var toReport: [String: [UsageOperation]] = [:]
        var updates: [UsageOperationUpdate] = []
        var denied: String?
        for result in checked {
            summary.checks += result.checked ? 1 : 0
            summary.resealed += result.resealed
            switch result.verdict {
            case .report(let service, let operations): toReport[service, default: []] += operations
            case .blocked(let reason):
                summary.checkFailures += 1
                updates += result.operations.map {
                    UsageOperationUpdate(id: $0.id, status: .checkFailed, error: reason, attempted: false)
                }
            case .refused(let reason):
                summary.rejected += result.operations.count
                updates += result.operations.map {
                    UsageOperationUpdate(id: $0.id, status: .rejected, error: reason, attempted: false)
                }
            case .denied(let reason):
                denied = reason
                updates += result.operations.map {
                    UsageOperationUpdate(id: $0.id, status: $0.status, error: reason, attempted: false)
                }
            case .later: break
            }
        }
        try await store.updateUsageOperations(updates, at: now())
        var ended: Set<EntitlementID> = []
        for (service, operations) in toReport.sorted(by: { $0.key < $1.key }) {
            try await report(service, operations, &summary, denied: &denied, ended: &ended)
        }
        if checked.contains(where: { $0.checked }) || denied != nil { try await setAccessDenied(denied) }
        summary.accessDenied = summary.accessDenied || denied != nil
        return ended
    }

    /// Sends one service's operations and records each request's outcome at once, so that a crash
    /// after an answer never sends those operations again. A request refused whole for its content
    /// is split in two and each half sent, until the refused operation is alone.
    private func report(
        _ service: String,
        _ operations: [UsageOperation],
        _ summary: inout PassSummary,
        denied: inout String?,
        ended: inout Set<EntitlementID>
    ) async throws {
        // One request at a time, each outcome written before the next is sent.
        for batch in ServiceControlClient.batches(operations) {
            // Another replica leads now and runs its own pass: this one must not send beside it.
            guard leadership.isLeader else { throw LeadershipLost(replica: leadership.replica) }
            guard let outcome = await serviceControl.report(serviceName: service, batch).first else { continue }
            summary.reportRequests += 1
            if let failure = outcome.failure, [.content, .precondition].contains(ServiceControlFailure(failure)),
                batch.count > 1
            {
                let half = batch.count / 2
                try await report(service, Array(batch[..<half]), &summary, denied: &denied, ended: &ended)
                try await report(service, Array(batch[half...]), &summary, denied: &denied, ended: &ended)
                continue
            }
            if let failure = outcome.failure, ServiceControlFailure(failure) == .access {
                denied = "report refused: \(failure)"
            }
            var updates: [UsageOperationUpdate] = []
            var notBillable: [String] = []
            for id in outcome.operationIDs {
                let (update, endedHere) = Self.update(id, outcome, &summary)
                updates.append(update)
                if endedHere { notBillable.append(id) }
            }
            try await store.updateUsageOperations(updates, at: now())
            for id in notBillable {
                if let entitlement = try await store.usageOperation(id: id)?.entitlementID { ended.insert(entitlement) }
            }
        }
    }

    /// What a report request's outcome means for one of its operations, and whether Google said
    /// its entitlement is not billable (to be re-read).
    static func update(
        _ id: String,
        _ outcome: ServiceControlClient.BatchOutcome,
        _ summary: inout PassSummary
    ) -> (UsageOperationUpdate, Bool) {
        if let failure = outcome.failure {
            switch ServiceControlFailure(failure) {
            case .content, .precondition:
                summary.rejected += 1
                return (
                    UsageOperationUpdate(id: id, status: .rejected, error: "\(failure)", attempted: true),
                    ServiceControlFailure(failure) == .precondition
                )
            case .access, .refused:
                // Not processed: it waits, pending, with why.
                return (UsageOperationUpdate(id: id, status: .pending, error: "\(failure)", attempted: true), false)
            case .transient:
                summary.unknown += 1
                return (UsageOperationUpdate(id: id, status: .unknown, error: "\(failure)", attempted: true), false)
            }
        }
        if let status = outcome.rejected[id] {
            let error = "\(status.code): \(status.message ?? "")"
            switch status.code {
            case 3, 11:  // INVALID_ARGUMENT, OUT_OF_RANGE: the operation itself is refused.
                summary.rejected += 1
                return (UsageOperationUpdate(id: id, status: .rejected, error: error, attempted: true), false)
            case 9:  // FAILED_PRECONDITION: not billable, perhaps cancelled; re-read.
                summary.rejected += 1
                return (UsageOperationUpdate(id: id, status: .rejected, error: error, attempted: true), true)
            default:
                return (UsageOperationUpdate(id: id, status: .pending, error: error, attempted: true), false)
            }
        }
        summary.reported += 1
        return (UsageOperationUpdate(id: id, status: .reported, attempted: true), false)
    }

    struct LeadershipLost: Error, CustomStringConvertible {
        var replica: String
        var description: String { "replica \(replica) no longer leads; the new leader's pass sends the rest" }
    }

    func sealing(cutoff: Timestamp, finals: [EntitlementID: Timestamp]) -> UsageSealing {
        UsageSealing(cutoff: cutoff, windowLength: settings.windowLength, finals: finals) {
            [length = settings.windowLength] in
            UsageOperationID.make($0, $1, $2, window: $3, length: length)
        }
    }

    /// Cancelled entitlements with usage still to seal, and when their last window ends.
    func finals(at time: Timestamp) async throws -> [EntitlementID: Timestamp] {
        var finals: [EntitlementID: Timestamp] = [:]
        for id in try await store.entitlementsWithUnsealedUsage() {
            guard let entitlement = try await store.entitlement(id) else { continue }
            if let cancelled = UsageValidation.cancellationTime(entitlement) { finals[id] = min(cancelled, time) }
        }
        return finals
    }
}
