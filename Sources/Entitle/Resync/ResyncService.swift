public import EntitleStore
import Foundation
public import GoogleCloud
public import Logging
import MarketplaceCore
public import ServiceLifecycle

/// Repairs what notifications missed (contract §1.4: Pub/Sub may lose nothing, but a subscription
/// created late, a retention gap or a bug can): every `interval` it lists Google's accounts and
/// entitlements and reconciles each one whose stored copy differs, plus each stored entitlement
/// Google no longer lists. Each repair is an audit row of kind `repair`.
public struct ResyncService: Service {
    public struct Report: Hashable, Sendable {
        public var checked = 0
        public var repaired = 0
    }

    let procurement: ProcurementClient
    let store: any Store
    let processor: NotificationProcessor
    let interval: Duration
    /// Only the leading replica resyncs.
    let leadership: any LeaderElection
    let logger: Logger

    public init(
        procurement: ProcurementClient,
        store: any Store,
        processor: NotificationProcessor,
        interval: Duration = .seconds(3600),
        leadership: any LeaderElection = SingleProcessLeadership(replica: ReplicaName.current),
        logger: Logger = Logger(label: "entitle.resync")
    ) {
        self.procurement = procurement
        self.store = store
        self.processor = processor
        self.interval = interval
        self.leadership = leadership
        self.logger = logger
    }

    public func run() async throws {
        await LeaderPasses(interval: interval, leadership: leadership, logger: logger, name: "resync").run {
            let report = try await resyncOnce()
            logger.info(
                "resync done",
                metadata: ["checked": "\(report.checked)", "repaired": "\(report.repaired)"]
            )
        }
    }

    /// One pass over everything Google lists.
    public func resyncOnce() async throws -> Report {
        var report = Report()
        for try await account in procurement.accounts() {
            guard let id = account.id else { continue }
            report.checked += 1
            let local = try await store.account(id)
            let approval = account.approvals?.first { $0.name == Approval.signupName }?.state
            if local == nil || local?.signupApproval != approval {
                try await processor.reconcileAccount(
                    id,
                    trigger: .resync,
                    auditKind: .repair,
                    summary: "resync: account differed"
                )
                report.repaired += 1
                processor.metrics.increment(EntitleMetrics.Name.resyncRepairs)
            }
        }
        var listed: Set<EntitlementID> = []
        for try await entitlement in procurement.entitlements() {
            guard let id = entitlement.id else { continue }
            listed.insert(id)
            report.checked += 1
            let local = try await store.entitlement(id)
            // Differs, or waits on something that may have cleared (a refusal, a 404 not believed).
            if local?.resource.updateTime != entitlement.updateTime || local?.state != entitlement.state
                || local?.plan != entitlement.plan
                || local?.waitingReason != nil || local?.missingSince != nil || local?.isDeleted == true
            {
                try await processor.reconcile(
                    id,
                    trigger: .resync,
                    auditKind: .repair,
                    summary: "resync: entitlement differed"
                )
                report.repaired += 1
                processor.metrics.increment(EntitleMetrics.Name.resyncRepairs)
            }
        }
        // Stored but no longer listed: purged at Google (404 on the re-read records it deleted).
        var after: EntitlementID?
        while true {
            let page = try await store.entitlements(state: nil, after: after, limit: 500)
            guard let last = page.last else { break }
            for local in page where !local.isDeleted && !listed.contains(local.id) {
                report.checked += 1
                try await processor.reconcile(
                    local.id,
                    trigger: .resync,
                    auditKind: .repair,
                    summary: "resync: no longer listed"
                )
                report.repaired += 1
                processor.metrics.increment(EntitleMetrics.Name.resyncRepairs)
            }
            after = last.id
        }
        return report
    }
}
