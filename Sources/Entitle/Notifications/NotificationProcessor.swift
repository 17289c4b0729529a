public import EntitleStore
public import Foundation
public import GoogleCloud
public import Logging
public import MarketplaceCore

/// Handles one Marketplace notification as ARCHITECTURE.md says: decode (poison is recorded),
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
    let logger: Logger
    let now: @Sendable () -> Timestamp
    private let locks = SubjectLocks()

    public init(
        store: any Store,
        procurement: ProcurementClient,
        policies: ApprovalPolicies,
        logger: Logger = Logger(label: "entitle.notifications"),
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.procurement = procurement
        self.policies = policies
        self.logger = logger
        self.now = now
    }

    /// - Parameter data: the message's decoded `data`; nil when it was not base64.
    /// - Throws: on a transient failure (Google or the store); nothing was committed.
    public func handle(data: Data?, messageID: String?, attributes: [String: String] = [:]) async throws -> Outcome {
        let event: MarketplaceEvent
        do {
            guard let data else { throw PoisonReason("data is not base64") }
            event = try MarketplaceEvent(json: data)
        } catch {
            let reason = "\(error)"
            try await store.recordPoison(
                PoisonMessage(messageID: messageID, data: data ?? Data(), attributes: attributes, reason: reason, receivedAt: now())
            )
            logger.warning("poison message recorded and acked", metadata: ["messageId": "\(messageID ?? "")", "reason": "\(reason)"])
            return .poison(reason)
        }
        let raw = data.map { String(decoding: $0, as: UTF8.self) }
        return try await locks.withLock(Self.subject(event)) {
            // Checked under the lock: a duplicate handled by another worker just now is seen.
            if try await store.isProcessed(eventID: event.eventID) { return .duplicate }
            let (actions, fetched) = try await decide(event)
            try await perform(actions)
            let commit = makeCommit(actions, event: event, fetched: fetched, raw: raw)
            switch try await store.commit(commit) {
            case .committed: return .processed(actions)
            case .alreadyProcessed: return .duplicate
            }
        }
    }

    /// Re-reads the subject (404 = gone) and decides.
    private func decide(_ event: MarketplaceEvent) async throws -> ([ReconcilerAction], Entitlement?) {
        switch event.subject {
        case .account(let notice):
            let fetched: FetchResult<Account>
            do { fetched = .found(try await procurement.account(notice.id)) } catch let error as GoogleAPIError where error.isNotFound {
                fetched = .notFound
            }
            let situation = AccountSituation(
                trigger: .event(event),
                accountID: notice.id,
                fetched: fetched,
                local: try await store.account(notice.id)
            )
            return (EntitlementReconciler.decide(situation), nil)
        case .entitlement(let notice):
            let fetched: FetchResult<Entitlement>
            do { fetched = .found(try await procurement.entitlement(notice.id)) } catch let error as GoogleAPIError where error.isNotFound {
                fetched = .notFound
            }
            let local = try await store.entitlement(notice.id)
            var copy: Entitlement?
            if case .found(let entitlement) = fetched { copy = entitlement }
            let accountID = copy?.accountID ?? local?.accountID
            let account = try await accountID.asyncMap { try await store.account($0) } ?? nil
            let situation = EntitlementSituation(
                trigger: .event(event),
                entitlementID: notice.id,
                fetched: fetched,
                local: local,
                account: account,
                policy: policies.policy(for: copy ?? local?.resource)
            )
            return (EntitlementReconciler.decide(situation), copy)
        }
    }

    /// The Procurement calls, first in every decision. A refusal because the entitlement is no
    /// longer in the state the call needs (FAILED_PRECONDITION) means another delivery or a
    /// person got there first: success (contract §1.4). Anything else is thrown, so the message
    /// comes again.
    private func perform(_ actions: [ReconcilerAction]) async throws {
        for action in actions where action.callsGoogle {
            do {
                switch action {
                case .approveEntitlement(let id): try await procurement.approveEntitlement(id)
                case .rejectEntitlement(let id, let reason): try await procurement.rejectEntitlement(id, reason: reason)
                case .approvePlanChange(let id, let plan): try await procurement.approvePlanChange(id, pendingPlanName: plan)
                case .rejectPlanChange(let id, let plan, let reason):
                    try await procurement.rejectPlanChange(id, pendingPlanName: plan, reason: reason)
                default: break
                }
            } catch let error as GoogleAPIError where error.isFailedPrecondition {
                logger.info("already done", metadata: ["action": "\(action)", "error": "\(error)"])
            }
        }
    }

    private func makeCommit(_ actions: [ReconcilerAction], event: MarketplaceEvent, fetched: Entitlement?, raw: String?) -> StoreCommit {
        let time = now()
        let subject = Self.subject(event)
        var commit = StoreCommit(eventID: event.eventID)
        commit.audit.append(
            AuditEntry(
                at: time,
                kind: .event,
                subject: subject,
                eventID: event.eventID,
                summary: event.eventType?.rawValue ?? "(no eventType)",
                payload: raw
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
                    cause: Self.cause(request, event: event, fetched: fetched),
                    eventID: event.eventID,
                    entitlement: fetched,
                    createdAt: time
                )
                commit.callbacks.append(
                    OutboxItem(
                        id: message.id,
                        kind: request.kind,
                        accountID: request.accountID,
                        entitlementID: request.entitlementID,
                        body: (try? Self.json(message)) ?? "{}",
                        createdAt: time
                    )
                )
            default: break
            }
            commit.audit.append(AuditEntry(at: time, kind: .action, subject: subject, eventID: event.eventID, summary: "\(action)"))
        }
        return commit
    }

    /// What makes a callback unique: the version of the resource whose transition it announces,
    /// so that any replica deciding the same transition makes the same id (and the outbox keeps
    /// one); renewals and offer ends, which no state shows, are one per event.
    static func cause(_ request: CallbackRequest, event: MarketplaceEvent, fetched: Entitlement?) -> String {
        switch request.kind {
        case .renewed, .offerEnded: "event:\(event.eventID)"
        default: fetched?.updateTime.map { "version:\($0.rfc3339)" } ?? "event:\(event.eventID)"
        }
    }

    static func subject(_ event: MarketplaceEvent) -> String {
        switch event.subject {
        case .account(let notice): "accounts/\(notice.id.rawValue)"
        case .entitlement(let notice): "entitlements/\(notice.id.rawValue)"
        }
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

struct PoisonReason: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Optional {
    func asyncMap<Mapped>(_ transform: (Wrapped) async throws -> Mapped) async rethrows -> Mapped? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
