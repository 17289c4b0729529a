import Foundation
public import MarketplaceCore

/// Sign-up sessions, linking an account to its customer, hand-off codes, and the admin console's
/// sessions and reads (`SignupSQL`, `HandoffSQL`, `ConsoleSQL`).
extension SQLStore {
    public func createSignupSession(_ session: SignupSession) async throws {
        try await execute(try SignupSQL.insert(session))
    }

    public func signupSession(id: String) async throws -> SignupSession? {
        try await fetchOne(SignupSQL.session(id: id), SignupSQL.session)
    }

    public func signupSession(browserHash: String, at: Timestamp) async throws -> SignupSession? {
        try await fetchOne(SignupSQL.session(browserHash: browserHash, at: at), SignupSQL.session)
    }

    public func signupTokenCompleted(tokenHash: String) async throws -> Bool {
        try await fetchOne(SignupSQL.completed(tokenHash: tokenHash)) { try $0.get("id", as: String.self) } != nil
    }

    public func signupSession(proposalHash: String) async throws -> SignupSession? {
        try await fetchOne(SignupSQL.session(proposalHash: proposalHash), SignupSQL.session)
    }

    public func proposeSignup(sessionID: String, _ proposal: SignupProposal) async throws -> Bool {
        try await write(
            Steps { rows in
                guard let updated = rows.first else {
                    return .read([try SignupSQL.propose(sessionID: sessionID, proposal)])
                }
                return .write([], !updated.isEmpty)
            }
        )
    }

    public func recordPerson(_ person: AccountPerson, callbackIfNew: OutboxItem?) async throws -> Bool {
        try await write(RecordPersonPlan(person: person, callbackIfNew: callbackIfNew))
    }

    public func people(ofAccount account: AccountID) async throws -> [AccountPerson] {
        try await fetch(PersonSQL.people(ofAccount: account), PersonSQL.person)
    }

    public func customer(forAccount account: AccountID) async throws -> Customer? {
        try await fetchOne(SignupSQL.customer(forAccount: account), SignupSQL.customer)
    }

    /// Completions of one account (a double submit, two tabs, two replicas) take turns on the
    /// account's lock, so the second finds the first's customer and keeps it.
    public func completeSignup(
        sessionID: String,
        customer: Customer,
        at: Timestamp,
        commit: StoreCommit
    ) async throws -> Customer {
        try await write(CompleteSignupPlan(sessionID: sessionID, customer: customer, at: at, commit: commit))
    }

    public func customer(id: String) async throws -> Customer? {
        try await fetchOne(SignupSQL.customer(id: id), SignupSQL.customer)
    }

    public func accounts(ofCustomer id: String) async throws -> [AccountID] {
        try await fetch(SignupSQL.accounts(ofCustomer: id)) { try AccountID($0.get("id", as: String.self)) }
    }

    public func customers(after: String?, limit: Int) async throws -> [(customer: Customer, accounts: Int)] {
        try await fetch(SignupSQL.customers(after: after, limit: limit)) {
            (try SignupSQL.customer($0), try $0.get("accounts"))
        }
    }

    // MARK: Hand-offs

    public func createHandoff(_ handoff: Handoff) async throws {
        try await execute(try HandoffSQL.insert(handoff))
    }

    public func redeemHandoff(codeHash: String, app: String, at: Timestamp) async throws -> HandoffRedemption {
        try await write(
            Steps { rows in
                guard let redeemed = rows.first else {
                    return .read([HandoffSQL.redeem(codeHash: codeHash, app: app, at: at)])
                }
                if let row = redeemed.first { return .write([], .redeemed(try HandoffSQL.handoff(row))) }
                guard rows.count == 2 else { return .read([HandoffSQL.find(codeHash: codeHash, app: app)]) }
                return .write([], HandoffSQL.refusal(try rows[1].first.map(HandoffSQL.handoff)))
            }
        )
    }

    // MARK: The admin console

    public func createConsoleSession(_ session: ConsoleSession) async throws {
        try await execute(ConsoleSQL.insert(session))
    }

    public func consoleSession(idHash: String, at: Timestamp) async throws -> ConsoleSession? {
        try await fetchOne(ConsoleSQL.session(idHash: idHash, at: at), ConsoleSQL.session)
    }

    public func endConsoleSession(idHash: String) async throws {
        try await execute(ConsoleSQL.endSession(idHash: idHash))
    }

    public func consoleActivity(since: Timestamp) async throws -> ConsoleActivity {
        try await read(
            Steps { rows in
                guard rows.count == 5 else {
                    return .read([
                        ConsoleSQL.notificationsPerHour(since: since),
                        ConsoleSQL.perDay("ENTITLEMENT_CREATION_REQUESTED", since: since),
                        ConsoleSQL.perDay("ENTITLEMENT_CANCELLED", since: since), ConsoleSQL.activation(since: since),
                        ConsoleSQL.billed(since: since),
                    ])
                }
                var activity = ConsoleActivity()
                activity.notificationsPerHour = try rows[0].map(ConsoleSQL.count)
                activity.purchasesPerDay = try rows[1].map(ConsoleSQL.count)
                activity.cancellationsPerDay = try rows[2].map(ConsoleSQL.count)
                activity.activationSeconds = try rows[3].compactMap(ConsoleSQL.activationSeconds)
                activity.billedPerDay = try rows[4].map(ConsoleSQL.billed)
                return .write([], activity)
            }
        )
    }
}
