import Foundation
import GRDB
public import MarketplaceCore

/// Hand-off codes and the customers they name (`HandoffSQL`, `SignupSQL`).
extension SQLiteStore {
    public func createHandoff(_ handoff: Handoff) async throws {
        try await pool.write { db in try db.run(HandoffSQL.insert(handoff)) }
    }

    public func redeemHandoff(codeHash: String, app: String, at: Timestamp) async throws -> HandoffRedemption {
        try await pool.write { db in
            if let row = try db.fetchOne(HandoffSQL.redeem(codeHash: codeHash, app: app, at: at)) {
                return .redeemed(try HandoffSQL.handoff(row))
            }
            return HandoffSQL.refusal(
                try db.fetchOne(HandoffSQL.find(codeHash: codeHash, app: app)).map(HandoffSQL.handoff)
            )
        }
    }

    public func customer(id: String) async throws -> Customer? {
        try await pool.read { db in try db.fetchOne(SignupSQL.customer(id: id)).map(SignupSQL.customer) }
    }

    public func accounts(ofCustomer id: String) async throws -> [AccountID] {
        try await pool.read { db in
            try db.values(SignupSQL.accounts(ofCustomer: id), as: String.self).map(AccountID.init)
        }
    }
}
