import Foundation
public import MarketplaceCore
import PostgresNIO

/// Hand-off codes and the customers they name (`HandoffSQL`, `SignupSQL`).
extension PostgresStore {
    public func createHandoff(_ handoff: Handoff) async throws {
        try await write { try await run(HandoffSQL.insert(handoff), on: $0) }
    }

    public func redeemHandoff(codeHash: String, app: String, at: Timestamp) async throws -> HandoffRedemption {
        try await write { connection in
            if let row = try await fetchOne(HandoffSQL.redeem(codeHash: codeHash, app: app, at: at), on: connection) {
                return .redeemed(try HandoffSQL.handoff(row))
            }
            let found = try await fetchOne(HandoffSQL.find(codeHash: codeHash, app: app), on: connection)
            return HandoffSQL.refusal(try found.map(HandoffSQL.handoff))
        }
    }

    public func customer(id: String) async throws -> Customer? {
        try await read { try await fetchOne(SignupSQL.customer(id: id), on: $0).map(SignupSQL.customer) }
    }

    public func accounts(ofCustomer id: String) async throws -> [AccountID] {
        try await read {
            try await values(SignupSQL.accounts(ofCustomer: id), as: String.self, on: $0).map(AccountID.init)
        }
    }
}
