import Foundation
public import MarketplaceCore
import PostgresNIO

extension PostgresStore {
    public func createSignupSession(_ session: SignupSession) async throws {
        try await write { connection in
            try await execute(
                """
                INSERT INTO signup_session (id, account_id, user_identity, csrf_token, created_at, expires_at)
                VALUES (\(session.id), \(session.accountID.rawValue), \(session.userIdentity), \(session.csrfToken), \(session.createdAt.micros),
                    \(session.expiresAt.micros))
                """,
                on: connection
            )
        }
    }

    public func signupSession(id: String) async throws -> SignupSession? {
        try await read { connection in
            try await rows("SELECT * FROM signup_session WHERE id = \(id)", on: connection).first.map { row in
                SignupSession(
                    id: try row.get("id"),
                    accountID: try AccountID(row.get("account_id", as: String.self)),
                    userIdentity: try row.get("user_identity"),
                    csrfToken: try row.get("csrf_token"),
                    createdAt: Timestamp(micros: try row.get("created_at")),
                    expiresAt: Timestamp(micros: try row.get("expires_at")),
                    completedAt: (try row.get("completed_at", as: Int64?.self)).map(Timestamp.init(micros:))
                )
            }
        }
    }

    public func customer(forAccount account: AccountID) async throws -> Customer? {
        try await read { try await customer(forAccount: account, on: $0) }
    }

    /// Replicas completing sign-ups of one account (a double submit, two tabs) take turns on the
    /// account's lock, so the second finds the first's customer and keeps it.
    public func completeSignup(sessionID: String, customer: Customer, at: Timestamp, commit: StoreCommit) async throws -> Customer {
        try await write { connection in
            guard let accountID = try await rows("SELECT account_id FROM signup_session WHERE id = \(sessionID)", on: connection).first else {
                throw StoreError.notFound("sign-up session \(sessionID)")
            }
            let account = try AccountID(accountID.get("account_id", as: String.self))
            try await lock("signup:\(account.rawValue)", on: connection)
            let linked: Customer
            if let existing = try await self.customer(forAccount: account, on: connection) {
                linked = existing
            } else {
                // A customer of the vendor's own (redirect sign-up) may have other accounts already.
                try await execute(
                    """
                    INSERT INTO customer (id, company, contact_name, email, created_at)
                    VALUES (\(customer.id), \(customer.company), \(customer.contactName), \(customer.email), \(customer.createdAt.micros))
                    ON CONFLICT (id) DO NOTHING
                    """,
                    on: connection
                )
                linked = try await rows("SELECT * FROM customer WHERE id = \(customer.id)", on: connection).first.map(Self.customer) ?? customer
            }
            for record in commit.accounts { try await upsert(record, on: connection) }
            try await execute("UPDATE account SET customer_id = \(linked.id) WHERE id = \(account.rawValue)", on: connection)
            try await execute(
                "UPDATE signup_session SET completed_at = COALESCE(completed_at, \(at.micros)) WHERE id = \(sessionID)",
                on: connection
            )
            for item in commit.callbacks { try await insert(item, on: connection) }
            for entry in commit.audit { try await insert(entry, on: connection) }
            return linked
        }
    }

    func customer(forAccount account: AccountID, on connection: PostgresConnection) async throws -> Customer? {
        try await rows(
            "SELECT customer.* FROM customer JOIN account ON account.customer_id = customer.id WHERE account.id = \(account.rawValue)",
            on: connection
        ).first.map(Self.customer)
    }

    static func customer(_ row: PGRow) throws -> Customer {
        Customer(
            id: try row.get("id"),
            company: try row.get("company"),
            contactName: try row.get("contact_name"),
            email: try row.get("email"),
            createdAt: Timestamp(micros: try row.get("created_at")),
            erasedAt: (try row.get("erased_at", as: Int64?.self)).map(Timestamp.init(micros:))
        )
    }
}
