import EntitleStore
import GoogleCloud
import Logging
import MarketplaceCore

/// What the processor tells `/metrics`: each notification's event type and outcome, its lag from
/// publication to commit, and for an activation the time since the purchase; and what waits on a
/// person, to the attention queue.
extension NotificationProcessor {
    enum MetricOutcome: String {
        case processed, duplicate, poison
        case handedBack = "handed_back"
        case deadLettered = "dead_lettered"
    }

    /// A label with a bounded set of values: an event type Google adds later is `unknown`.
    static func eventTypeLabel(_ event: MarketplaceEvent?) -> String {
        guard let type = event?.eventType else { return "none" }
        if case .unknown = type { return "unknown" }
        return type.rawValue
    }

    func count(_ event: MarketplaceEvent?, _ outcome: MetricOutcome) {
        metrics.increment(
            EntitleMetrics.Name.notifications,
            [("event_type", Self.eventTypeLabel(event)), ("outcome", outcome.rawValue)]
        )
    }

    /// The orders whose buyer `observeCommitted` tells, after the commit, that they wait on the
    /// vendor (`waitingMessage`). While there are any the lease must outlast the commit, or another
    /// replica could decide about the order while the message goes out.
    func waitingBuyers(_ actions: [ReconcilerAction]) -> [EntitlementID] {
        guard waitingMessage != nil else { return [] }
        return actions.compactMap {
            guard case .enqueueCallback(let request) = $0,
                request.kind == .approvalRequested || request.kind == .planChangeRequested
            else { return nil }
            return request.entitlementID
        }
    }

    /// After a commit: the notification's lag and, when it activated an entitlement, the time
    /// from the purchase (Google's `createTime`) to now.
    func observeCommitted(_ actions: [ReconcilerAction], fetched: Entitlement?, publishTime: Timestamp?) async {
        let time = now()
        if let publishTime {
            metrics.record(
                EntitleMetrics.Name.notificationLag,
                [],
                EntitleMetrics.duration(from: publishTime, to: time)
            )
        }
        for action in actions {
            guard case .enqueueCallback(let request) = action, let id = request.entitlementID?.rawValue else {
                continue
            }
            switch request.kind {
            case .approvalRequested:
                attention?.notify(
                    .approvalRequested(entitlement: id, account: request.accountID?.rawValue, plan: fetched?.plan)
                )
            case .planChangeRequested:
                attention?.notify(.planChangeRequested(entitlement: id, plan: fetched?.newPendingPlan))
            default: break
            }
        }
        for id in waitingBuyers(actions) { await tellWaitingBuyer(id) }
        let activated = actions.contains {
            if case .enqueueCallback(let request) = $0 { request.kind == .activated } else { false }
        }
        if activated, let created = fetched?.createTime {
            metrics.record(EntitleMetrics.Name.purchaseToActive, [], EntitleMetrics.duration(from: created, to: time))
        }
    }

    /// The buyer whose order now waits on the vendor sees `waitingMessage` at Google. Best effort,
    /// after the commit: a failure is logged and changes nothing else (an administrator can set it).
    private func tellWaitingBuyer(_ id: EntitlementID) async {
        guard let waitingMessage else { return }
        do {
            try await procurement.setMessageToUser(id, waitingMessage)
        } catch {
            logger.warning(
                "could not set the waiting buyer's message",
                metadata: ["entitlement": "\(id)", "error": "\(error)"]
            )
        }
    }
}
