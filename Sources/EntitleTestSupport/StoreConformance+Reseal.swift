import EntitleStore
import Foundation
import MarketplaceCore

extension StoreConformance {
    /// A window sealed before Entitle learned of a cancellation inside it: its operation is
    /// superseded, its records go back into their window's unsealed total, and they are sealed
    /// again (with the entitlement's later usage) ending at the cancellation; nothing stays unsealed.
    static func usageReseal(_ store: any Store) async throws {
        let id = try EntitlementID(unique("E"))
        _ = try await store.recordUsage(
            [
                submission(id, "requests", 5, at: 10, key: "a"), submission(id, "requests", 7, at: 3000, key: "b"),
                submission(id, "requests", 2, at: hour + 10, key: "c"),
            ],
            app: "a",
            windowLength: hour,
            at: base
        )
        let sealed = try await store.sealUsage(sealing(at: hour + 60), at: base.adding(seconds: hour + 60)).operations
        try require(sealed.map(\.quantity) == [12], "the first hour: \(sealed)")
        let unsealed = try await store.unsealedUsage(entitlement: id)
        try require(unsealed.map(\.quantity) == [2] && unsealed.map(\.records) == [1], "the second hour: \(unsealed)")
        let cancelled = base.adding(seconds: 1800)
        let resealed = try await store.resealUsage(
            id,
            cancelledAt: cancelled,
            sealing: sealing(at: hour + 60),
            at: base.adding(seconds: hour + 120)
        )
        try require(
            resealed.map(\.quantity).reduce(0, +) == 14 && resealed.allSatisfy { $0.window.end == cancelled },
            "the first hour's 12 and the later 2, ending at the cancellation: \(resealed)"
        )
        let superseded = try await store.usageOperation(id: sealed[0].id)
        try require(superseded?.status == .superseded, "\(String(describing: superseded))")
        try require(try await store.unsealedUsage(entitlement: id).isEmpty, "nothing left unsealed")
        try require(try await store.entitlementsWithUnsealedUsage().contains(id) == false, "not listed as unsealed")
    }
}
