import Foundation
import MarketplaceCore

/// Sign-up sessions, and the vendor's customers the accounts are linked to.
enum SignupSQL {
    static func insert(_ session: SignupSession) throws -> StoreSQL {
        """
        INSERT INTO signup_session (id, account_id, user_identity, roles, orders, csrf_token, browser_hash,
            token_hash, created_at, expires_at, completed_at)
        VALUES (\(session.id), \(session.accountID.rawValue), \(session.userIdentity),
            \(try StoreJSON.encode(session.roles)), \(try StoreJSON.encode(session.orders)), \(session.csrfToken),
            \(session.browserHash), \(session.tokenHash), \(session.createdAt), \(session.expiresAt),
            \(session.completedAt))
        """
    }

    static func session(id: String) -> StoreSQL { "SELECT * FROM signup_session WHERE id = \(id)" }

    /// The newest session the browser holding the cookie brought, if it has not expired.
    static func session(browserHash: String, at: Timestamp) -> StoreSQL {
        """
        SELECT * FROM signup_session WHERE browser_hash = \(browserHash) AND expires_at > \(at)
        ORDER BY created_at DESC LIMIT 1
        """
    }

    static func session(proposalHash: String) -> StoreSQL {
        "SELECT * FROM signup_session WHERE proposal_hash = \(proposalHash)"
    }

    /// A later proposal replaces an earlier one; a completed or expired session takes none.
    static func propose(sessionID: String, _ proposal: SignupProposal) throws -> StoreSQL {
        """
        UPDATE signup_session SET proposal_hash = \(proposal.codeHash), proposal = \(try StoreJSON.encode(proposal))
        WHERE id = \(sessionID) AND completed_at IS NULL AND expires_at > \(proposal.at) RETURNING id
        """
    }

    static func session(_ row: any StoreRow) throws -> SignupSession {
        SignupSession(
            id: try row.get("id"),
            accountID: try AccountID(row.get("account_id", as: String.self)),
            userIdentity: try row.get("user_identity"),
            roles: try row.json("roles"),
            orders: try row.json("orders"),
            csrfToken: try row.get("csrf_token"),
            browserHash: try row.get("browser_hash"),
            tokenHash: try row.get("token_hash"),
            proposal: try row.get("proposal", as: String?.self).map { try StoreJSON.decode($0) },
            createdAt: try row.time("created_at"),
            expiresAt: try row.time("expires_at"),
            completedAt: try row.timeIfAny("completed_at")
        )
    }

    /// One row when a session the token opened was completed.
    static func completed(tokenHash: String) -> StoreSQL {
        "SELECT id FROM signup_session WHERE token_hash = \(tokenHash) AND completed_at IS NOT NULL LIMIT 1"
    }

    static func sessionAccount(id: String) -> StoreSQL { "SELECT account_id FROM signup_session WHERE id = \(id)" }

    /// The linking writes of a completed sign-up, once the customer to link is known (the
    /// account's own, or the one just created): the account's rows, the link, the session's
    /// completion, then the commit's callbacks and audit entries.
    static func completion(
        sessionID: String,
        account: AccountID,
        customer: Customer,
        at: Timestamp,
        commit: StoreCommit
    ) throws -> [StoreSQL] {
        var statements = try commit.accounts.map { try CommitSQL.upsert($0, at: at) }
        statements.append("UPDATE account SET customer_id = \(customer.id) WHERE id = \(account.rawValue)")
        statements.append(
            "UPDATE signup_session SET completed_at = COALESCE(completed_at, \(at)) WHERE id = \(sessionID)"
        )
        statements += commit.callbacks.map(CommitSQL.insert)
        statements += commit.audit.map(CommitSQL.insert)
        return statements
    }

    /// A customer of the vendor's own (redirect sign-up) may exist already, with other accounts.
    static func insert(_ customer: Customer) -> StoreSQL {
        """
        INSERT INTO customer (id, company, contact_name, email, created_at)
        VALUES (\(customer.id), \(customer.company), \(customer.contactName), \(customer.email), \(customer.createdAt))
        ON CONFLICT (id) DO NOTHING
        """
    }

    static func customer(id: String) -> StoreSQL { "SELECT * FROM customer WHERE id = \(id)" }

    static func customer(forAccount account: AccountID) -> StoreSQL {
        """
        SELECT customer.* FROM customer JOIN account ON account.customer_id = customer.id
        WHERE account.id = \(account.rawValue)
        """
    }

    static func accounts(ofCustomer id: String) -> StoreSQL {
        "SELECT id FROM account WHERE customer_id = \(id) ORDER BY id"
    }

    static func customers(after: String?, limit: Int) -> StoreSQL {
        """
        SELECT customer.*, (SELECT COUNT(*) FROM account WHERE account.customer_id = customer.id) AS accounts
        FROM customer WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit)
        """
    }

    static func customer(_ row: any StoreRow) throws -> Customer {
        Customer(
            id: try row.get("id"),
            company: try row.get("company"),
            contactName: try row.get("contact_name"),
            email: try row.get("email"),
            createdAt: try row.time("created_at"),
            erasedAt: try row.timeIfAny("erased_at")
        )
    }
}

/// Completing a sign-up: the session's account is linked to its customer (the one it has, or the
/// vendor's, created if new), the session completed, the commit's rows written. On PostgreSQL the
/// account's lock is taken first, so that two completions of one account take turns.
struct CompleteSignupPlan: StorePlan {
    let sessionID: String
    let customer: Customer
    let at: Timestamp
    let commit: StoreCommit
    private var account: AccountID?
    private var stage = 0

    init(sessionID: String, customer: Customer, at: Timestamp, commit: StoreCommit) {
        self.sessionID = sessionID
        self.customer = customer
        self.at = at
        self.commit = commit
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Customer> {
        stage += 1
        switch stage {
        case 1:
            return .read([SignupSQL.sessionAccount(id: sessionID)])
        case 2:
            guard let row = answers[0].first else { throw StoreError.notFound("sign-up session \(sessionID)") }
            let account = try AccountID(row.get("account_id", as: String.self))
            self.account = account
            return .read([StoreSQL.lock("signup:\(account.rawValue)"), SignupSQL.customer(forAccount: account)])
        case 3:
            if let row = answers[1].first { return try link(SignupSQL.customer(row)) }
            return .read([SignupSQL.insert(customer), SignupSQL.customer(id: customer.id)])
        default:
            return try link(answers[1].first.map(SignupSQL.customer) ?? customer)
        }
    }

    private func link(_ linked: Customer) throws -> StorePlanStep<Customer> {
        guard let account else { throw StoreError.notFound("sign-up session \(sessionID)") }
        return .write(
            try SignupSQL.completion(sessionID: sessionID, account: account, customer: linked, at: at, commit: commit),
            linked
        )
    }
}
