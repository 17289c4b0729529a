import Foundation
import MarketplaceCore

/// One-time codes handing a signed-up buyer to the vendor's app, and the customers they name.
enum HandoffSQL {
    static func insert(_ handoff: Handoff) throws -> StoreSQL {
        """
        INSERT INTO handoff (code_hash, app, account_id, customer_id, created_at, expires_at, challenge, person)
        VALUES (\(handoff.codeHash), \(handoff.app), \(handoff.accountID.rawValue), \(handoff.customerID),
            \(handoff.createdAt), \(handoff.expiresAt), \(handoff.challenge),
            \(try handoff.person.map { try StoreJSON.encode($0) }))
        """
    }

    /// One statement marks the code used, so two concurrent exchanges (two replicas) cannot both
    /// redeem it: the row comes back only to the one that did.
    static func redeem(codeHash: String, app: String, at: Timestamp) -> StoreSQL {
        """
        UPDATE handoff SET redeemed_at = \(at)
        WHERE code_hash = \(codeHash) AND app = \(app) AND redeemed_at IS NULL AND expires_at > \(at) RETURNING *
        """
    }

    static func find(codeHash: String, app: String) -> StoreSQL {
        "SELECT * FROM handoff WHERE code_hash = \(codeHash) AND app = \(app)"
    }

    /// Why a code that was not redeemed just now was refused.
    static func refusal(_ found: Handoff?) -> HandoffRedemption {
        guard let found else { return .unknown }
        return found.redeemedAt == nil ? .expired : .alreadyRedeemed
    }

    static func handoff(_ row: any StoreRow) throws -> Handoff {
        Handoff(
            codeHash: try row.get("code_hash"),
            app: try row.get("app"),
            accountID: try AccountID(row.get("account_id", as: String.self)),
            customerID: try row.get("customer_id"),
            createdAt: try row.time("created_at"),
            expiresAt: try row.time("expires_at"),
            redeemedAt: try row.timeIfAny("redeemed_at"),
            challenge: try row.get("challenge"),
            person: try row.get("person", as: String?.self).map { try StoreJSON.decode($0) }
        )
    }
}
