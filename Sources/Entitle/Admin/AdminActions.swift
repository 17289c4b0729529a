import EntitleStore
import Foundation
import GoogleCloud
import MarketplaceCore

/// The decisions and repairs an administrator takes, implemented once for the admin API and the
/// console: each answers the changed record, or throws a `Refusal` that says why in words both can
/// show (the API as its error, the console on the page it returns to).
struct AdminActions: Sendable {
    let store: any Store
    let processor: NotificationProcessor

    /// Why an action was not taken.
    struct Refusal: Error, CustomStringConvertible {
        enum Kind: Sendable {
            /// Nothing by that id.
            case notFound
            /// Not in a state the action applies to (or Google refused it for that reason).
            case conflict
            /// It was tried and failed again.
            case failedAgain
            /// What was asked is not acceptable as given.
            case invalid
        }

        var kind: Kind
        var description: String

        /// The message as a sentence, for a page.
        var sentence: String { description.prefix(1).uppercased() + description.dropFirst() + "." }
    }

    private func now() -> Timestamp { Timestamp(Date()) }

    /// Approves or rejects an order or a plan change that waits on the vendor.
    func decide(_ decision: ManualDecision, for id: EntitlementID, by actor: String) async throws -> LocalEntitlement {
        do {
            try await processor.decideManually(decision, for: id, by: actor)
        } catch let error as ManualDecisionError {
            throw Refusal(kind: .conflict, description: error.description)
        } catch let error as GoogleAPIError where error.isFailedPrecondition {
            throw Refusal(kind: .conflict, description: "Google refused: \(error.message)")
        }
        guard let entitlement = try await store.entitlement(id) else {
            throw Refusal(kind: .notFound, description: "no entitlement \(id)")
        }
        return entitlement
    }

    /// The longest `messageToUser` Entitle sends: a line or two the buyer reads while waiting.
    static let maxMessageCharacters = 500

    /// Sets the text Google shows the buyer while the order waits on the vendor (nil or empty
    /// clears it; Google also clears it at the order's next change of state).
    func setMessageToUser(_ message: String?, for id: EntitlementID, by actor: String) async throws -> LocalEntitlement
    {
        let text = message ?? ""
        guard text.unicodeScalars.count <= Self.maxMessageCharacters,
            !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F })
        else {
            throw Refusal(
                kind: .invalid,
                description: "a message is at most \(Self.maxMessageCharacters) characters without control characters"
            )
        }
        guard try await store.entitlement(id) != nil else {
            throw Refusal(kind: .notFound, description: "no entitlement \(id)")
        }
        do {
            try await processor.procurement.setMessageToUser(id, text)
        } catch let error as GoogleAPIError where error.isFailedPrecondition {
            throw Refusal(
                kind: .conflict,
                description: "Google shows a message only while the order waits on you: \(error.message)"
            )
        }
        let summary = text.isEmpty ? "message to the buyer cleared" : "message to the buyer set: \(text.prefix(80))"
        _ = try await processor.reconcile(id, trigger: .resync, auditKind: .admin, summary: "\(summary) (\(actor))")
        guard let entitlement = try await store.entitlement(id) else {
            throw Refusal(kind: .notFound, description: "no entitlement \(id)")
        }
        return entitlement
    }

    /// Sends a callback again, now.
    func replayCallback(_ id: String) async throws -> OutboxItem? {
        guard try await store.replayCallback(id: id, now: now()) else {
            throw Refusal(kind: .notFound, description: "no callback \(id)")
        }
        return try await store.callback(id: id)
    }

    /// Processes a dead-lettered notification again.
    func replayDeadLetter(_ text: String) async throws -> DeadLetter? {
        guard let id = Int64(text), let letter = try await store.deadLetter(id: id) else {
            throw Refusal(kind: .notFound, description: "no dead letter \(text)")
        }
        do {
            _ = try await processor.replay(letter)
        } catch {
            throw Refusal(kind: .failedAgain, description: "processing failed again: \(error)")
        }
        return try await store.deadLetter(id: id)
    }

    /// Refused usage operations back to pending, for the next pass; how many.
    func rerunUsage(statuses: [UsageOperationRecord.Status], entitlement: EntitlementID?) async throws -> Int {
        try await store.rerunUsageOperations(statuses: statuses, entitlement: entitlement, at: now())
    }

    /// One refused operation back to pending, with the same id and value: if Google took it after
    /// all, it sees the same operation.
    func rerunOperation(_ id: String) async throws -> UsageOperationRecord? {
        guard let operation = try await store.usageOperation(id: id) else {
            throw Refusal(kind: .notFound, description: "no usage operation \(id)")
        }
        guard operation.status != .reported else {
            throw Refusal(
                kind: .conflict,
                description: "operation \(id) was reported; a reported window is never sent again"
            )
        }
        guard operation.status != .superseded else {
            let why = operation.lastError ?? "its usage is in another operation"
            throw Refusal(kind: .conflict, description: "operation \(id) was superseded: \(why)")
        }
        try await store.updateUsageOperations(
            [UsageOperationUpdate(id: id, status: .pending, error: nil, attempted: false)],
            at: now()
        )
        return try await store.usageOperation(id: id)
    }
}
