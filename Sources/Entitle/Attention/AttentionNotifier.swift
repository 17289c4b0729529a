import Foundation
import MarketplaceCore

/// What waits on a person, told to whoever watches (Slack, `SlackNotifier`): an order or plan
/// change for an administrator to decide, a notification dead-lettered, usage reporting blocked
/// as a whole, a callback given up. The store and the admin API keep the state; this only
/// tells, so a lost message loses nothing but the nudge.
public enum Attention: Hashable, Sendable {
    case approvalRequested(entitlement: String, account: String?, plan: String?)
    case planChangeRequested(entitlement: String, plan: String?)
    case deadLettered(id: Int64?, subject: String?, error: String)
    case usageReportingBlocked(reason: String)
    case callbackGivenUp(id: String, type: String, subject: String, error: String)

    /// One line for a chat, with what to do and where.
    public func text(adminBase: String) -> String {
        switch self {
        case .approvalRequested(let entitlement, let account, let plan):
            "Marketplace order \(entitlement) (plan \(plan ?? "?"), account \(account ?? "?")) waits for your approval: "
                + "approve or reject it in the console, \(adminBase)/admin/entitlements/\(entitlement), or `entitle entitlements decide approve \(entitlement)`"
        case .planChangeRequested(let entitlement, let plan):
            "Entitlement \(entitlement) asks to change to plan \(plan ?? "?"): "
                + "decide in the console, \(adminBase)/admin/entitlements/\(entitlement), or `entitle entitlements decide approve-plan-change \(entitlement)`"
        case .deadLettered(let id, let subject, let error):
            "A Marketplace notification about \(subject ?? "an unknown subject") failed too often and was dead-lettered (\(error)). "
                + "Process it again once the cause is fixed, in the console (\(adminBase)/admin/dead-letters) or with "
                + "`entitle dead-letters replay \(id.map(String.init) ?? "ID")`"
        case .usageReportingBlocked(let reason):
            "Usage reporting is blocked: Google refuses Entitle's access to Service Control (\(reason)). "
                + "Nothing is billed until it is fixed; Entitle retries every pass. `entitle doctor` checks the access; "
                + "the console shows what waits: \(adminBase)/admin/usage"
        case .callbackGivenUp(let id, let type, let subject, let error):
            "Your app did not take callback \(type) about \(subject) (\(error)); Entitle stopped retrying. "
                + "Send it again from the console (\(adminBase)/admin/callbacks?status=failed) or with `entitle outbox replay \(id)`"
        }
    }
}

/// A queue of `Attention` between the parts that notice and the notifier that tells: noticing
/// never waits (the queue keeps the newest 1,000 when nobody drains it).
public final class AttentionQueue: Sendable {
    /// What was noticed, in order; ends after `finish`.
    public let stream: AsyncStream<Attention>
    let continuation: AsyncStream<Attention>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Attention.self, bufferingPolicy: .bufferingNewest(1000))
    }

    public func notify(_ attention: Attention) {
        continuation.yield(attention)
    }

    /// No more: `stream` ends once drained.
    public func finish() {
        continuation.finish()
    }
}
