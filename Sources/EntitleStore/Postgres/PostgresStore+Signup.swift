import Foundation
public import MarketplaceCore
import PostgresNIO

/// Sign-up sessions and linking an account to its customer (`SignupSQL`).
extension PostgresStore {
    public func createSignupSession(_ session: SignupSession) async throws {
        try await write { try await run(SignupSQL.insert(session), on: $0) }
    }

    public func signupSession(id: String) async throws -> SignupSession? {
        try await read { try await fetchOne(SignupSQL.session(id: id), on: $0).map(SignupSQL.session) }
    }

    public func customer(forAccount account: AccountID) async throws -> Customer? {
        try await read { try await fetchOne(SignupSQL.customer(forAccount: account), on: $0).map(SignupSQL.customer) }
    }

    /// Replicas completing sign-ups of one account (a double submit, two tabs) take turns on the
    /// account's lock, so the second finds the first's customer and keeps it.
    public func completeSignup(
        sessionID: String,
        customer: Customer,
        at: Timestamp,
        commit: StoreCommit
    ) async throws -> Customer {
        try await write { connection in
            let accountIDs = try await values(SignupSQL.sessionAccount(id: sessionID), as: String.self, on: connection)
            guard let accountID = accountIDs.first else { throw StoreError.notFound("sign-up session \(sessionID)") }
            let account = try AccountID(accountID)
            try await lock("signup:\(account.rawValue)", on: connection)
            var linked = try await fetchOne(SignupSQL.customer(forAccount: account), on: connection).map(
                SignupSQL.customer
            )
            if linked == nil {
                try await run(SignupSQL.insert(customer), on: connection)
                linked = try await fetchOne(SignupSQL.customer(id: customer.id), on: connection).map(SignupSQL.customer)
            }
            let statements = try SignupSQL.completion(
                sessionID: sessionID,
                account: account,
                customer: linked ?? customer,
                at: at,
                commit: commit
            )
            for statement in statements { try await run(statement, on: connection) }
            return linked ?? customer
        }
    }
}
