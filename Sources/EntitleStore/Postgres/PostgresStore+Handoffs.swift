import Foundation
public import MarketplaceCore
import PostgresNIO

extension PostgresStore {
    public func createHandoff(_ handoff: Handoff) async throws {
        try await write { connection in
            try await execute(
                """
                INSERT INTO handoff (code_hash, app, account_id, customer_id, created_at, expires_at)
                VALUES (\(handoff.codeHash), \(handoff.app), \(handoff.accountID.rawValue), \(handoff.customerID), \(handoff.createdAt.micros),
                    \(handoff.expiresAt.micros))
                """,
                on: connection
            )
        }
    }

    /// One statement marks the code used, so two replicas exchanging it at once cannot both redeem it.
    public func redeemHandoff(codeHash: String, app: String, at: Timestamp) async throws -> HandoffRedemption {
        try await write { connection in
            if let row = try await rows(
                """
                UPDATE handoff SET redeemed_at = \(at.micros)
                WHERE code_hash = \(codeHash) AND app = \(app) AND redeemed_at IS NULL AND expires_at > \(at.micros) RETURNING *
                """,
                on: connection
            ).first {
                return .redeemed(try Self.handoff(row))
            }
            guard let row = try await rows("SELECT * FROM handoff WHERE code_hash = \(codeHash) AND app = \(app)", on: connection).first else {
                return .unknown
            }
            return try Self.handoff(row).redeemedAt == nil ? .expired : .alreadyRedeemed
        }
    }

    public func customer(id: String) async throws -> Customer? {
        try await read { connection in
            try await rows("SELECT * FROM customer WHERE id = \(id)", on: connection).first.map(Self.customer)
        }
    }

    public func accounts(ofCustomer id: String) async throws -> [AccountID] {
        try await read { connection in
            try await rows("SELECT id FROM account WHERE customer_id = \(id) ORDER BY id", on: connection).map {
                try AccountID($0.get("id", as: String.self))
            }
        }
    }

    static func handoff(_ row: PGRow) throws -> Handoff {
        Handoff(
            codeHash: try row.get("code_hash"),
            app: try row.get("app"),
            accountID: try AccountID(row.get("account_id", as: String.self)),
            customerID: try row.get("customer_id"),
            createdAt: Timestamp(micros: try row.get("created_at")),
            expiresAt: Timestamp(micros: try row.get("expires_at")),
            redeemedAt: (try row.get("redeemed_at", as: Int64?.self)).map(Timestamp.init(micros:))
        )
    }
}
