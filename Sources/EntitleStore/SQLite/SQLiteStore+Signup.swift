import Foundation
import GRDB
public import MarketplaceCore

extension SQLiteStore {
    public func createSignupSession(_ session: SignupSession) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO signup_session (id, account_id, user_identity, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.id, session.accountID.rawValue, session.userIdentity, session.csrfToken, session.createdAt.micros,
                    session.expiresAt.micros,
                ]
            )
        }
    }

    public func signupSession(id: String) async throws -> SignupSession? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM signup_session WHERE id = ?", arguments: [id]).map { row in
                SignupSession(
                    id: row["id"],
                    accountID: try AccountID(row["account_id"] as String),
                    userIdentity: row["user_identity"],
                    csrfToken: row["csrf_token"],
                    createdAt: Timestamp(micros: row["created_at"]),
                    expiresAt: Timestamp(micros: row["expires_at"]),
                    completedAt: (row["completed_at"] as Int64?).map(Timestamp.init(micros:))
                )
            }
        }
    }

    public func customer(forAccount account: AccountID) async throws -> Customer? {
        try await pool.read { db in try Self.customer(forAccount: account, db) }
    }

    public func completeSignup(sessionID: String, customer: Customer, at: Timestamp, commit: StoreCommit) async throws -> Customer {
        try await pool.write { db in
            guard let accountID = try String.fetchOne(db, sql: "SELECT account_id FROM signup_session WHERE id = ?", arguments: [sessionID]) else {
                throw StoreError.notFound("sign-up session \(sessionID)")
            }
            let account = try AccountID(accountID)
            let linked: Customer
            if let existing = try Self.customer(forAccount: account, db) {
                linked = existing
            } else {
                // A customer of the vendor's own (redirect sign-up) may have other accounts already.
                try db.execute(
                    sql: "INSERT OR IGNORE INTO customer (id, company, contact_name, email, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [customer.id, customer.company, customer.contactName, customer.email, customer.createdAt.micros]
                )
                linked = try Row.fetchOne(db, sql: "SELECT * FROM customer WHERE id = ?", arguments: [customer.id]).map(Self.customer) ?? customer
            }
            for record in commit.accounts { try Self.upsert(record, db) }
            try db.execute(sql: "UPDATE account SET customer_id = ? WHERE id = ?", arguments: [linked.id, account.rawValue])
            try db.execute(
                sql: "UPDATE signup_session SET completed_at = COALESCE(completed_at, ?) WHERE id = ?",
                arguments: [at.micros, sessionID]
            )
            for item in commit.callbacks { try Self.insert(item, db) }
            for entry in commit.audit { try Self.insert(entry, db) }
            return linked
        }
    }

    static func customer(forAccount account: AccountID, _ db: Database) throws -> Customer? {
        try Row.fetchOne(
            db,
            sql: "SELECT customer.* FROM customer JOIN account ON account.customer_id = customer.id WHERE account.id = ?",
            arguments: [account.rawValue]
        ).map(customer)
    }

    static func customer(_ row: Row) -> Customer {
        Customer(
            id: row["id"],
            company: row["company"],
            contactName: row["contact_name"],
            email: row["email"],
            createdAt: Timestamp(micros: row["created_at"]),
            erasedAt: (row["erased_at"] as Int64?).map(Timestamp.init(micros:))
        )
    }
}

/// A store call that cannot be done as asked.
public enum StoreError: Error, Hashable, CustomStringConvertible {
    case notFound(String)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) does not exist"
        }
    }
}
