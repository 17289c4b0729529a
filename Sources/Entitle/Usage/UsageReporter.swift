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
/// operation's outcome. A crash or an unknown outcome leaves operations pending or unknown, and
/// the next pass sends them again with the same ids and values. A failed check blocks the
/// entitlement's reporting (one `usage.check_failed` callback) until a later check passes.
public struct UsageReporter: Service {
    public struct Settings: Sendable {
        public var windowLength: Int64
        public var interval: Duration
        /// Checks in flight at once (one per entitlement with usage to send).
        public var checkConcurrency: Int
        public var operationName: String

        public init(
            windowLength: Int64 = 3600,
            interval: Duration = .seconds(3600),
            checkConcurrency: Int = 16,
            operationName: String = "Hourly usage"
        ) {
            self.windowLength = windowLength
            self.interval = interval
            self.checkConcurrency = checkConcurrency
            self.operationName = operationName
        }
    }

    /// What one pass did.
    public struct PassSummary: Hashable, Sendable, Codable {
        public var sealed = 0
        public var checks = 0
        public var checkFailures = 0
        public var reported = 0
        public var rejected = 0
        public var unknown = 0
        public var reportRequests = 0
    }

    let store: any Store
    let serviceControl: ServiceControlClient
    let settings: Settings
    let logger: Logger
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        serviceControl: ServiceControlClient,
        settings: Settings = Settings(),
        logger: Logger = Logger(label: "entitle.usage"),
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.serviceControl = serviceControl
        self.settings = settings
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let summary = try await pass()
                logger.info("usage pass", metadata: ["summary": "\(summary)"])
            } catch {
                logger.error("usage pass failed; next pass as scheduled", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [settings] in try await Task.sleep(for: settings.interval) }
        }
    }

    /// One pass: seal, check, report, record. Safe to run at any time and again after a crash.
    @discardableResult
    public func pass() async throws -> PassSummary {
        var summary = PassSummary()
        let time = now()
        let sealing = UsageSealing(
            cutoff: time,
            windowLength: settings.windowLength,
            finals: try await finals(at: time),
            operationID: UsageOperationID.make
        )
        summary.sealed = try await store.sealUsage(sealing, at: time).count
        let due = try await store.usageOperations(statuses: [.pending, .unknown, .checkFailed], entitlement: nil, limit: Int.max)
        let byEntitlement = Dictionary(grouping: due, by: \.entitlementID)
        var toReport: [String: [UsageOperation]] = [:]
        let checked = await checkAll(byEntitlement)
        var updates: [UsageOperationUpdate] = []
        for result in checked {
            summary.checks += result.checked ? 1 : 0
            switch result.verdict {
            case .report(let service, let operations): toReport[service, default: []] += operations
            case .blocked(let reason):
                summary.checkFailures += 1
                updates += result.operations.map { UsageOperationUpdate(id: $0.id, status: .checkFailed, error: reason, attempted: false) }
            case .refused(let reason):
                summary.rejected += result.operations.count
                updates += result.operations.map { UsageOperationUpdate(id: $0.id, status: .rejected, error: reason, attempted: false) }
            case .later: break
            }
        }
        for (service, operations) in toReport.sorted(by: { $0.key < $1.key }) {
            let outcomes = await serviceControl.report(serviceName: service, operations)
            summary.reportRequests += outcomes.count
            for outcome in outcomes { updates += Self.updates(for: outcome, summary: &summary) }
        }
        try await store.updateUsageOperations(updates, at: now())
        return summary
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

    /// A 4xx other than 429: Google will refuse the same request again.
    static func isRefusal(_ error: GoogleAPIError) -> Bool {
        (400..<500).contains(error.httpStatus) && error.httpStatus != 429
    }

    /// What each report request's outcome means for its operations.
    static func updates(for outcome: ServiceControlClient.BatchOutcome, summary: inout PassSummary) -> [UsageOperationUpdate] {
        outcome.operationIDs.map { id in
            if let failure = outcome.failure {
                // A refusal of the whole request (4xx but 429) was not processed and will not be
                // by sending it again unchanged; anything else may have been taken: resend as is.
                if let error = failure as? GoogleAPIError, isRefusal(error) {
                    summary.rejected += 1
                    return UsageOperationUpdate(id: id, status: .rejected, error: "\(error)", attempted: true)
                }
                summary.unknown += 1
                return UsageOperationUpdate(id: id, status: .unknown, error: "\(failure)", attempted: true)
            }
            if let status = outcome.rejected[id] {
                summary.rejected += 1
                return UsageOperationUpdate(id: id, status: .rejected, error: "\(status.code): \(status.message ?? "")", attempted: true)
            }
            summary.reported += 1
            return UsageOperationUpdate(id: id, status: .reported, attempted: true)
        }
    }
}
