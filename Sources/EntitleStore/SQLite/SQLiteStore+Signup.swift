import Foundation
import GRDB
public import MarketplaceCore

/// Sign-up sessions and linking an account to its customer (`SignupSQL`).
extension SQLiteStore {
    public func createSignupSession(_ session: SignupSession) async throws {
        try await pool.write { db in try db.run(SignupSQL.insert(session)) }
    }

    public func signupSession(id: String) async throws -> SignupSession? {
        try await pool.read { db in try db.fetchOne(SignupSQL.session(id: id)).map(SignupSQL.session) }
    }

    public func customer(forAccount account: AccountID) async throws -> Customer? {
        try await pool.read { db in try db.fetchOne(SignupSQL.customer(forAccount: account)).map(SignupSQL.customer) }
    }

    /// One writer at a time: a second completion of the same account finds the first's customer.
    public func completeSignup(
        sessionID: String,
        customer: Customer,
        at: Timestamp,
        commit: StoreCommit
    ) async throws -> Customer {
        try await pool.write { db in
            guard let accountID = try db.values(SignupSQL.sessionAccount(id: sessionID), as: String.self).first else {
                throw StoreError.notFound("sign-up session \(sessionID)")
            }
            let account = try AccountID(accountID)
            var linked = try db.fetchOne(SignupSQL.customer(forAccount: account)).map(SignupSQL.customer)
            if linked == nil {
                try db.run(SignupSQL.insert(customer))
                linked = try db.fetchOne(SignupSQL.customer(id: customer.id)).map(SignupSQL.customer)
            }
            let statements = try SignupSQL.completion(
                sessionID: sessionID,
                account: account,
                customer: linked ?? customer,
                at: at,
                commit: commit
            )
            for statement in statements { try db.run(statement) }
            return linked ?? customer
        }
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
