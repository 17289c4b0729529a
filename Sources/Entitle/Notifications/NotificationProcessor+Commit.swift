import EntitleStore
import Foundation
import MarketplaceCore

/// What one decision writes: state, audit rows, and callbacks with stable ids.
extension NotificationProcessor {
    func makeCommit(_ actions: [ReconcilerAction], cause: Cause, fetched: Entitlement?) -> StoreCommit {
        let time = now()
        var commit = StoreCommit(eventID: cause.eventID)
        commit.audit.append(
            AuditEntry(
                at: time,
                kind: cause.auditKind,
                subject: cause.subject,
                eventID: cause.eventID,
                summary: cause.summary,
                payload: cause.payload
            )
        )
        for action in actions {
            switch action {
            case .recordEntitlement(let local): commit.entitlements.append(local)
            case .recordAccount(let local): commit.accounts.append(local)
            case .eraseAccountData(let id): commit.erase.append(id)
            case .enqueueCallback(let request):
                let message = CallbackMessage(
                    request: request,
                    cause: Self.callbackCause(request, eventID: cause.eventID, fetched: fetched),
                    eventID: cause.eventID,
                    entitlement: fetched,
                    createdAt: time
                )
                commit.callbacks.append(message.outboxItem(request))
            default: break
            }
            commit.audit.append(
                AuditEntry(
                    at: time,
                    kind: .action,
                    subject: cause.subject,
                    eventID: cause.eventID,
                    summary: AuditSummary.describe(action)
                )
            )
        }
        return commit
    }

    /// What makes a callback unique: the version of the resource whose transition it announces,
    /// so that any replica deciding the same transition makes the same id (and the outbox keeps
    /// one); renewals and offer ends, which no state shows, are one per event.
    static func callbackCause(_ request: CallbackRequest, eventID: String?, fetched: Entitlement?) -> String {
        let event = "event:\(eventID ?? "none")"
        let cause: String
        switch request.kind {
        case .renewed, .offerEnded: cause = event
        default: cause = fetched?.updateTime.map { "version:\($0.rfc3339)" } ?? event
        }
        return request.occasion.map { "\(cause) \($0)" } ?? cause
    }

    static func subject(_ event: MarketplaceEvent) -> String {
        switch event.subject {
        case .account(let notice): "accounts/\(notice.id.rawValue)"
        case .entitlement(let notice): "entitlements/\(notice.id.rawValue)"
        }
    }
}
