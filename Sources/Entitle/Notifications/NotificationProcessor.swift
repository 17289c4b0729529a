public import EntitleStore
public import Foundation
public import GoogleCloud
public import Logging
public import MarketplaceCore

/// Handles one Marketplace notification as docs/architecture.md says: decode (poison is recorded),
/// skip a processed eventId, re-read the resource, decide with `EntitlementReconciler`, make the
/// API calls, then commit state, inbox, audit and callbacks in one transaction. The caller acks
/// only after `handle` returns; a thrown error means "hand the message back".
public struct NotificationProcessor: Sendable {
    public enum Outcome: Hashable, Sendable {
        case processed([ReconcilerAction])
        case duplicate
        case poison(String)
    }

    let store: any Store
    let procurement: ProcurementClient
    let policies: ApprovalPolicies
    /// How long a 404 for an entitlement in service must last before it is believed.
    let absenceConfirmationSeconds: Int64
    /// How a message that keeps failing comes back, and when it is dead-lettered.
    public let retry: NotificationRetrySchedule
    /// This replica's name on the subjects it holds.
    let replica: String
    let logger: Logger
    let now: @Sendable () -> Timestamp
    let locks = SubjectLocks()
    public let counters = ProcessorCounters()
    let metrics: EntitleMetrics
    /// Told what waits on a person (Slack); nil: nobody.
    let attention: AttentionQueue?
    /// What Google shows a buyer whose order or plan change waits on the vendor's decision
    /// (`messageToUser`); nil: nothing.
    let waitingMessage: String?

    public init(
        store: any Store,
        procurement: ProcurementClient,
        policies: ApprovalPolicies,
        absenceConfirmationSeconds: Int64 = 300,
        retry: NotificationRetrySchedule = NotificationRetrySchedule(),
        replica: String = ReplicaName.current,
        logger: Logger = Logger(label: "entitle.notifications"),
        metrics: EntitleMetrics = EntitleMetrics(enabled: false),
        attention: AttentionQueue? = nil,
        waitingMessage: String? = nil,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.procurement = procurement
        self.policies = policies
        self.absenceConfirmationSeconds = absenceConfirmationSeconds
        self.retry = retry
        self.replica = replica
        self.logger = logger
        self.metrics = metrics
        self.attention = attention
        self.waitingMessage = waitingMessage.flatMap { $0.isEmpty ? nil : $0 }
        self.now = now
    }

    /// - Parameters:
    ///   - data: the message's decoded `data`; nil when it was not base64.
    ///   - publishTime: when Pub/Sub accepted it (for the lag metric).
    /// - Throws: on a transient failure (Google or the store); nothing was committed.
    public func handle(
        data: Data?,
        messageID: String?,
        attributes: [String: String] = [:],
        publishTime: Timestamp? = nil
    ) async throws -> Outcome {
        let event: MarketplaceEvent
        do {
            guard let data else { throw PoisonReason("data is not base64") }
            event = try MarketplaceEvent(json: data)
        } catch {
            return try await recordPoison(
                data: data ?? Data(),
                messageID: messageID,
                attributes: attributes,
                reason: "\(error)"
            )
        }
        let raw = data.map { String(decoding: $0, as: UTF8.self) }
        let context: Logger.Metadata = [
            "eventId": "\(event.eventID)", "subject": "\(Self.subject(event))",
            "eventType": "\(Self.eventTypeLabel(event))",
        ]
        return try await LogContext.with(context) {
            let outcome = try await handleDecoded(event, raw: raw, publishTime: publishTime)
            logger.debug("notification handled", metadata: ["outcome": "\(outcome)"])
            return outcome
        }
    }

    private func handleDecoded(_ event: MarketplaceEvent, raw: String?, publishTime: Timestamp?) async throws -> Outcome
    {
        try await withSubject(Self.subject(event)) { hold in
            // Checked under the lock: a duplicate handled by another worker just now is seen.
            let records = try await store.decisionRecords(
                eventID: event.eventID,
                entitlement: event.entitlementID,
                account: event.accountID
            )
            if records.isProcessed {
                counters.count { $0.duplicates += 1 }
                count(event, .duplicate)
                return .duplicate
            }
            let (decided, fetched) = try await decide(event, stored: records)
            let actions = try await refreshedAfterApproval(try await perform(decided))
            var cause = Cause(
                eventID: event.eventID,
                subject: Self.subject(event),
                auditKind: .event,
                summary: event.eventType?.rawValue ?? "(no eventType)",
                payload: raw
            )
            // A 404 not believed yet: its first sighting is recorded, but not the event (the inbox
            // would make the redelivery a duplicate), and the message comes back to look again.
            let unconfirmed = actions.lazy.compactMap { action -> Timestamp? in
                if case .await(.absenceConfirmation(let since)) = action { since } else { nil }
            }.first
            if let since = unconfirmed {
                cause.eventID = nil
                if actions.contains(where: { if case .recordEntitlement = $0 { true } else { false } }) {
                    _ = try await store.commit(makeCommit(actions, cause: cause, fetched: fetched))
                }
                throw UnconfirmedAbsence(subject: cause.subject, since: since)
            }
            let commit = makeCommit(actions, cause: cause, fetched: fetched)
            switch try await store.commit(waitingBuyers(actions).isEmpty ? hold.releasing(commit) : commit) {
            case .committed:
                counters.count { $0.processed += 1 }
                count(event, .processed)
                await observeCommitted(actions, fetched: fetched, publishTime: publishTime)
                return .processed(actions)
            case .alreadyProcessed:
                counters.count { $0.duplicates += 1 }
                count(event, .duplicate)
                return .duplicate
            }
        }
    }

    /// Keeps a message that cannot be understood, to be acked so it stops coming.
    @discardableResult
    public func recordPoison(
        data: Data,
        messageID: String?,
        attributes: [String: String] = [:],
        reason: String
    ) async throws -> Outcome {
        try await store.recordPoison(
            PoisonMessage(messageID: messageID, data: data, attributes: attributes, reason: reason, receivedAt: now())
        )
        logger.warning(
            "poison message recorded and acked",
            metadata: ["messageId": "\(messageID ?? "")", "reason": "\(reason)"]
        )
        counters.count { $0.poison += 1 }
        count(nil, .poison)
        return .poison(reason)
    }

    /// Re-reads one entitlement and acts on what it shows, outside any notification: after a
    /// sign-up (its waiting orders), for a resync repair, or after an admin decision. An order the
    /// sign-up approved is read once more, under the same lock (`recordedAfterSignupApproval`).
    @discardableResult
    public func reconcile(
        _ id: EntitlementID,
        trigger: ReconcileTrigger,
        auditKind: AuditEntry.Kind,
        summary: String
    ) async throws
        -> [ReconcilerAction]
    {
        let subject = "entitlements/\(id.rawValue)"
        return try await LogContext.with(["subject": "\(subject)"]) {
            try await withSubject(subject) { _ in
                let (decided, fetched) = try await decideEntitlement(id, trigger: trigger)
                let actions = try await refreshedAfterApproval(try await perform(decided))
                let cause = Cause(eventID: nil, subject: subject, auditKind: auditKind, summary: summary, payload: nil)
                if case .committed = try await store.commit(makeCommit(actions, cause: cause, fetched: fetched)) {
                    await observeCommitted(actions, fetched: fetched, publishTime: nil)
                }
                if case .signupCompleted = trigger,
                    actions.contains(where: { if case .approveEntitlement = $0 { true } else { false } })
                {
                    try await recordedAfterSignupApproval(id, cause: cause)
                }
                return actions
            }
        }
    }

    /// For the usage reporter: re-reads an entitlement Service Control refused (it may have ended
    /// before Entitle learned of it), records what Google shows, and returns the stored copy.
    public var usageRefresh: UsageReporter.Refresh {
        { [self] id in
            try await reconcile(
                id,
                trigger: .resync,
                auditKind: .repair,
                summary: "usage: re-read after Service Control refused it"
            )
            return try await store.entitlement(id)
        }
    }

    /// Re-reads one account and records what it shows (resync).
    public func reconcileAccount(
        _ id: AccountID,
        trigger: ReconcileTrigger,
        auditKind: AuditEntry.Kind,
        summary: String
    ) async throws {
        let subject = "accounts/\(id.rawValue)"
        try await withSubject(subject) { _ in
            let actions = try await perform(try await decideAccount(id, trigger: trigger))
            let cause = Cause(eventID: nil, subject: subject, auditKind: auditKind, summary: summary, payload: nil)
            _ = try await store.commit(makeCommit(actions, cause: cause, fetched: nil))
        }
    }

    /// An administrator's decision on an entitlement waiting for one: checked against the re-read
    /// entitlement (a stale admin page cannot approve an order that moved on), carried out, and the
    /// result recorded like any other change.
    /// - Throws: `ManualDecisionError` when the entitlement is not waiting for this decision;
    ///   `GoogleAPIError` when Google refuses it (e.g. the account's sign-up is not approved yet).
    public func decideManually(_ decision: ManualDecision, for id: EntitlementID, by admin: String) async throws {
        let subject = "entitlements/\(id.rawValue)"
        try await withSubject(subject) { _ in
            let action = try EntitlementReconciler.action(
                for: decision,
                entitlementID: id,
                fetched: try await fetchEntitlement(id)
            )
            _ = try await perform([action], tolerateRefusal: false)
            let (actions, copy) = try await decideEntitlement(id, trigger: .resync)
            let cause = Cause(
                eventID: nil,
                subject: subject,
                auditKind: .admin,
                summary: "\(admin): \(AuditSummary.describe(action))",
                payload: nil
            )
            _ = try await store.commit(makeCommit(actions, cause: cause, fetched: copy))
        }
    }

    /// Where a commit comes from, for the inbox and the audit log.
    struct Cause {
        var eventID: String?
        var subject: String
        var auditKind: AuditEntry.Kind
        var summary: String
        var payload: String?
    }
}

/// Google answered 404 for an entitlement in service, not long enough ago to believe it: the
/// message is handed back to be looked at again.
struct UnconfirmedAbsence: Error, CustomStringConvertible {
    var subject: String
    var since: Timestamp
    var description: String {
        "Google answers 404 for \(subject) (in service here) since \(since.rfc3339); not believed yet"
    }
}

struct PoisonReason: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
