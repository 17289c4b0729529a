import Foundation
import GRDB
public import MarketplaceCore

extension SQLiteStore {
    public func createHandoff(_ handoff: Handoff) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO handoff (code_hash, app, account_id, customer_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    handoff.codeHash, handoff.app, handoff.accountID.rawValue, handoff.customerID, handoff.createdAt.micros, handoff.expiresAt.micros,
                ]
            )
        }
    }

    /// One statement marks the code used, so two concurrent exchanges cannot both redeem it.
    public func redeemHandoff(codeHash: String, app: String, at: Timestamp) async throws -> HandoffRedemption {
        try await pool.write { db in
            if let row = try Row.fetchOne(
                db,
                sql: """
                    UPDATE handoff SET redeemed_at = ? WHERE code_hash = ? AND app = ? AND redeemed_at IS NULL AND expires_at > ? RETURNING *
                    """,
                arguments: [at.micros, codeHash, app, at.micros]
            ) {
                return .redeemed(try Self.handoff(row))
            }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM handoff WHERE code_hash = ? AND app = ?", arguments: [codeHash, app]) else {
                return .unknown
            }
            return try Self.handoff(row).redeemedAt == nil ? .expired : .alreadyRedeemed
        }
    }

    public func customer(id: String) async throws -> Customer? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM customer WHERE id = ?", arguments: [id]).map(Self.customer)
        }
    }

    public func accounts(ofCustomer id: String) async throws -> [AccountID] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM account WHERE customer_id = ? ORDER BY id", arguments: [id]).map { try AccountID($0) }
        }
    }

    static func handoff(_ row: Row) throws -> Handoff {
        Handoff(
            codeHash: row["code_hash"],
            app: row["app"],
            accountID: try AccountID(row["account_id"] as String),
            customerID: row["customer_id"],
            createdAt: Timestamp(micros: row["created_at"]),
            expiresAt: Timestamp(micros: row["expires_at"]),
            redeemedAt: (row["redeemed_at"] as Int64?).map(Timestamp.init(micros:))
        )
    }
}
