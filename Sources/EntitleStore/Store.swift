public import MarketplaceCore

/// Entitle's state. One method per transaction that keeps the invariants, so SQLite and
/// PostgreSQL implementations differ only inside: callers never compose transactions.
public protocol Store: Sendable {
    // MARK: Health

    /// Returns when the database answers within `timeout`; throws `StoreError.unavailable` when not.
    func probe(within timeout: Duration) async throws

    // MARK: Notifications

    func isProcessed(eventID: String) async throws -> Bool
    func entitlement(_ id: EntitlementID) async throws -> LocalEntitlement?
    func account(_ id: AccountID) async throws -> LocalAccount?
    /// What a decision starts from, read together: whether `eventID` was processed, and the stored
    /// entitlement with its account (or, without an entitlement, the stored `account`).
    func decisionRecords(
        eventID: String?,
        entitlement: EntitlementID?,
        account: AccountID?
    ) async throws -> DecisionRecords
    /// Writes everything of `commit` and its inbox row atomically, or nothing when the inbox
    /// already holds its eventId.
    func commit(_ commit: StoreCommit) async throws -> CommitOutcome
    func recordPoison(_ message: PoisonMessage) async throws
    func poisonMessages(limit: Int) async throws -> [PoisonMessage]
    /// Counts a failed attempt at a message (by Pub/Sub message id), shared by replicas and kept
    /// across restarts. Returns the attempts so far, this one included.
    func recordDeliveryFailure(messageKey: String, error: String, at: Timestamp) async throws -> DeliveryFailures
    /// Keeps a message that kept failing (its failure count goes). Returns it with its id.
    func recordDeadLetter(_ letter: DeadLetter, messageKey: String) async throws -> DeadLetter
    /// Dead letters, newest first.
    func deadLetters(limit: Int) async throws -> [DeadLetter]
    func deadLetter(id: Int64) async throws -> DeadLetter?
    /// Records a replay: processed (`error` nil) or failed again.
    func recordDeadLetterReplay(id: Int64, at: Timestamp, error: String?) async throws

    // MARK: Reading

    func entitlements(ofAccount account: AccountID) async throws -> [LocalEntitlement]
    /// A page of entitlements ordered by id, after `after`, optionally in one state.
    func entitlements(state: EntitlementState?, after: EntitlementID?, limit: Int) async throws -> [LocalEntitlement]
    /// Outbox items, newest first, optionally with one status.
    func callbacks(status: OutboxItem.Status?, limit: Int) async throws -> [OutboxItem]
    /// One subject's outbox items (`entitlements/{id}`, `accounts/{id}`), newest first.
    func callbacks(subject: String, limit: Int) async throws -> [OutboxItem]
    /// Audit rows for a subject (or all when nil), newest first.
    func auditLog(subject: String?, limit: Int) async throws -> [AuditEntry]

    // MARK: Sign-up

    func createSignupSession(_ session: SignupSession) async throws
    /// - Parameter id: the hash of the session code (`SignupSession.id`).
    func signupSession(id: String) async throws -> SignupSession?
    /// The newest unexpired session the browser with this cookie hash brought.
    func signupSession(browserHash: String, at: Timestamp) async throws -> SignupSession?
    /// The session a redirect-mode proposal with this code hash belongs to.
    func signupSession(proposalHash: String) async throws -> SignupSession?
    /// Whether a session opened by the token with this hash was completed (a replayed token).
    func signupTokenCompleted(tokenHash: String) async throws -> Bool
    /// Records the vendor page's proposal (replacing an earlier one); false when the session is
    /// unknown, completed or expired.
    func proposeSignup(sessionID: String, _ proposal: SignupProposal) async throws -> Bool
    /// Records a person's arrival with a valid token (first and last seen, their latest roles and
    /// orders); on their first arrival also `callbackIfNew`. - Returns: whether they were new.
    func recordPerson(_ person: AccountPerson, callbackIfNew: OutboxItem?) async throws -> Bool
    /// The account's people, the first seen first.
    func people(ofAccount account: AccountID) async throws -> [AccountPerson]
    /// The customer linked to the account, if the buyer signed up before.
    func customer(forAccount account: AccountID) async throws -> Customer?
    /// One transaction: the customer is created (or the account's existing one kept), the account
    /// linked, the session completed, and `commit` (account record, audit, callbacks) written.
    /// Completing a session twice keeps the first customer.
    func completeSignup(
        sessionID: String,
        customer: Customer,
        at: Timestamp,
        commit: StoreCommit
    ) async throws -> Customer

    // MARK: Outbox

    /// Claims the callbacks to send now, for `leaseSeconds`: for each subject
    /// (`OutboxItem.subject`), its first pending one in the order they were queued, if it is due and
    /// not claimed by someone else (or their claim ran out). A later callback of a subject waits
    /// while an earlier one is pending or retrying (a given-up one no longer holds it back), so each
    /// subject's callbacks arrive in order, whichever replica sends them; a dead replica's claims
    /// are taken over when they run out. At most one per subject; the most overdue first.
    func claimCallbacks(now: Timestamp, limit: Int, leaseSeconds: Int64, claimant: String) async throws -> [OutboxItem]
    func callback(id: String) async throws -> OutboxItem?
    /// Delivered; its claim ends.
    func markCallbackDelivered(id: String, at: Timestamp) async throws
    /// Counts an attempt; `nextAttemptAt` nil gives up (status failed). Its claim ends.
    func markCallbackFailed(id: String, error: String, nextAttemptAt: Timestamp?) async throws
    /// Sends a callback again (delivered or failed), with the same id.
    func replayCallback(id: String, now: Timestamp) async throws -> Bool

    // MARK: Usage

    /// Records every submission of a batch in one transaction, each in the window
    /// `UsageWindow.assigned` gives it (after the entitlement's sealed windows), after judging each
    /// new one by `rules` (none: taken as they are). A known idempotency key with the same content
    /// is a duplicate.
    /// - Throws: `UsageRefused` (the rules' reasons), `UsageConflict` (a known key with other
    ///   content) or `UsageOverflow` (a window's total past `Int64.max`); then nothing is recorded.
    func recordUsage(
        _ submissions: [UsageSubmission],
        app: String,
        windowLength: Int64,
        at: Timestamp,
        rules: UsageIntakeRules?
    ) async throws -> [UsageAcceptance]
    func usageCursor(_ id: EntitlementID) async throws -> UsageCursor?
    /// Entitlements with usage not yet sealed into the ledger.
    func entitlementsWithUnsealedUsage() async throws -> [EntitlementID]
    /// Unsealed usage, summed per entitlement × metric × labels × window (all when nil).
    func unsealedUsage(entitlement: EntitlementID?) async throws -> [UsageAggregate]
    /// Every unsealed record of a closed window (and all of a final entitlement's) becomes part of
    /// one ledger operation, status pending; the cursors move past those windows. Each
    /// entitlement is sealed whole or not at all: one that cannot be (an overflowing sum, a
    /// constraint) is left unsealed with the reason on its cursor (`sealingError`), and the
    /// others are sealed all the same.
    func sealUsage(_ sealing: UsageSealing, at: Timestamp) async throws -> UsageSealingResult
    /// One transaction: the entitlement's operations that were never reported and end after
    /// `cancelledAt` (sealed before Entitle knew of the cancellation) become `superseded`, and
    /// their usage is sealed again, its last window ending at `cancelledAt`, with new ids.
    /// Returns the operations written (none when nothing ended after the cancellation).
    func resealUsage(
        _ id: EntitlementID,
        cancelledAt: Timestamp,
        sealing: UsageSealing,
        at: Timestamp
    ) async throws -> [UsageOperationRecord]
    /// Operations with these statuses, oldest window first.
    func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        limit: Int
    ) async throws -> [UsageOperationRecord]
    /// A page for a reporting pass: all the operations with these statuses of the first
    /// `entitlements` entitlements (by id) after `after` that have any, by entitlement then window.
    func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlementsAfter after: EntitlementID?,
        entitlements: Int
    ) async throws -> [UsageOperationRecord]
    func usageOperation(id: String) async throws -> UsageOperationRecord?
    /// Applies the updates in one transaction; a reported operation moves its entitlement's
    /// `reportedUntil` forward.
    func updateUsageOperations(_ updates: [UsageOperationUpdate], at: Timestamp) async throws
    /// Blocks (reason) or unblocks (nil) an entitlement's reporting, with its audit row and
    /// callback, in one transaction. Returns false when it was already so.
    func setUsageBlocked(
        _ id: EntitlementID,
        reason: String?,
        at: Timestamp,
        audit: AuditEntry,
        callback: OutboxItem?
    ) async throws -> Bool
    /// Entitlements whose reporting is blocked or whose sealing failed, oldest problem first.
    func usageProblems(limit: Int) async throws -> [UsageCursor]
    /// Reporting as a whole is blocked (Google refused Entitle's access), or nil.
    func usageReportingBlock() async throws -> UsageReportingBlock?
    /// Blocks (reason) or unblocks (nil) all reporting, with its audit row and callback, in one
    /// transaction. Returns false when it was already so.
    func setUsageReportingBlocked(
        reason: String?,
        at: Timestamp,
        audit: AuditEntry,
        callback: OutboxItem?
    ) async throws -> Bool
    /// An administrator's re-run: operations with these statuses (never reported or superseded
    /// ones), of one entitlement or all, go back to pending with the same ids and values.
    /// Returns how many.
    func rerunUsageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        at: Timestamp
    ) async throws -> Int

    // MARK: Retention

    /// Deletes up to `batch` rows of each kind older than `policy` says (and expired sign-up
    /// sessions), each kind in its own short transaction. Call again while it removes anything.
    func prune(_ policy: RetentionPolicy, now: Timestamp, batch: Int) async throws -> PruneSummary

    // MARK: Replicas

    /// Takes the subject (`entitlements/{id}`, `accounts/{id}`) for `holder` until `until`, unless
    /// another holder has it and its lease has not run out. Replicas decide about one subject one
    /// at a time, as `SubjectLocks` makes a process's workers do. Returns whether it was taken.
    /// SQLite (one process) needs none: it always answers true.
    func acquireSubject(_ subject: String, holder: String, until: Timestamp, now: Timestamp) async throws -> Bool
    /// Extends `holder`'s lease to `until`; false when it no longer has it (another holder took
    /// it after it ran out, or it was given back). Never takes a subject.
    func renewSubject(_ subject: String, holder: String, until: Timestamp) async throws -> Bool
    /// Gives the subject back, if `holder` still has it. A commit can do it too
    /// (`StoreCommit.releasing`), a round trip fewer.
    func releaseSubject(_ subject: String, holder: String) async throws
    /// Whether other processes share this store, so that subjects must be leased (and the leases
    /// renewed) at all; false for SQLite, whose one process needs only its own locks.
    var leasesSubjects: Bool { get }

    /// Who does the work only one replica may do (usage reporting, resync, pruning): with SQLite
    /// (one process) always this one; with PostgreSQL the holder of an advisory lock.
    func leaderElection(replica: String) -> any LeaderElection
    /// The replica that leads now, as the leader last wrote it (nil: none has yet).
    func leader() async throws -> LeaderInfo?

    /// Rows by state, for metrics: what stands, or with history also what ended (delivered,
    /// reported), which grows without end and costs a scan to count.
    func counts(includingHistory: Bool) async throws -> StoreCounts

    /// Keeps a hand-off code (its hash) for the vendor's app to redeem.
    func createHandoff(_ handoff: Handoff) async throws
    /// Marks the code used if it is `app`'s, unused and unexpired, atomically.
    func redeemHandoff(codeHash: String, app: String, at: Timestamp) async throws -> HandoffRedemption
    func customer(id: String) async throws -> Customer?
    /// The accounts linked to a customer, by id.
    func accounts(ofCustomer id: String) async throws -> [AccountID]

    // The admin console.
    func createConsoleSession(_ session: ConsoleSession) async throws
    /// The session whose cookie hashes to `idHash`, if it has not ended or expired by `at`.
    func consoleSession(idHash: String, at: Timestamp) async throws -> ConsoleSession?
    func endConsoleSession(idHash: String) async throws
    /// Entitlements by id after `after`, as `filter` narrows them.
    func entitlements(
        matching filter: EntitlementFilter,
        after: EntitlementID?,
        limit: Int
    ) async throws -> [LocalEntitlement]
    /// Customers by id after `after`, with how many accounts each has.
    func customers(after: String?, limit: Int) async throws -> [(customer: Customer, accounts: Int)]
    /// Counts for the overview's charts since `since`.
    func consoleActivity(since: Timestamp) async throws -> ConsoleActivity

    // Gemini Enterprise's OAuth clients, one per agent order.
    func agentClient(_ entitlement: EntitlementID) async throws -> AgentClient?
    func agentClient(clientID: String) async throws -> AgentClient?
    /// Claims the order's registration for `client.claimant`; a claim older than `staleBefore`
    /// (its holder stopped) is taken over. Two callers racing: one is answered `.claimed`.
    func claimAgentClient(_ client: AgentClient, staleBefore: Timestamp) async throws -> AgentClientClaim
    /// Records the client the claimant created, and `callback` with it; false when it no longer
    /// holds the claim.
    func completeAgentClient(
        _ entitlement: EntitlementID,
        claimant: String,
        clientID: String,
        sealedCredentials: String,
        at: Timestamp,
        callback: OutboxItem?
    ) async throws -> Bool
    /// Gives the claim up (the identity provider refused, or failed).
    func abandonAgentClient(_ entitlement: EntitlementID, claimant: String) async throws
    /// Active clients whose credentials are not sealed with the key `prefix` names (a rotation).
    func agentClients(sealedOtherThan prefix: String, limit: Int) async throws -> [AgentClient]
    /// Replaces a client's sealed credentials if they are still `old`; false otherwise.
    func resealAgentClient(_ entitlement: EntitlementID, from old: String, to new: String) async throws -> Bool
    /// Active clients whose order left service, was deleted, or is unknown.
    func agentClientsToEnd(limit: Int) async throws -> [AgentClient]
    /// Marks an active client ended (deleted at the identity provider), and queues `callback`;
    /// false if it was not active.
    func endAgentClient(_ entitlement: EntitlementID, at: Timestamp, callback: OutboxItem?) async throws -> Bool
}

extension Store {
    /// What stands now (callbacks not delivered, operations not reported): cheap at any size.
    public func counts() async throws -> StoreCounts { try await counts(includingHistory: false) }

    public var leasesSubjects: Bool { true }

    /// Records taken as they are, with no rules (tests, benches, tools).
    public func recordUsage(
        _ submissions: [UsageSubmission],
        app: String,
        windowLength: Int64,
        at: Timestamp
    ) async throws -> [UsageAcceptance] {
        try await recordUsage(submissions, app: app, windowLength: windowLength, at: at, rules: nil)
    }

    /// One read after the other; a store that can read them in one go does.
    public func decisionRecords(
        eventID: String?,
        entitlement: EntitlementID?,
        account: AccountID?
    ) async throws -> DecisionRecords {
        var records = DecisionRecords()
        if let eventID { records.isProcessed = try await isProcessed(eventID: eventID) }
        if let entitlement { records.entitlement = try await self.entitlement(entitlement) }
        if let id = records.entitlement?.accountID ?? account { records.account = try await self.account(id) }
        return records
    }
}
