import Foundation
public import MarketplaceCore

/// One process has an SQLite file: it leads, and its `SubjectLocks` are the only ones needed.
extension SQLiteStore {
    public func acquireSubject(
        _ subject: String,
        holder: String,
        until: Timestamp,
        now: Timestamp
    ) async throws -> Bool {
        true
    }

    public func renewSubject(_ subject: String, holder: String, until: Timestamp) async throws -> Bool { true }

    public func releaseSubject(_ subject: String, holder: String) async throws {}

    public var leasesSubjects: Bool { false }

    public func leaderElection(replica: String) -> any LeaderElection { SingleProcessLeadership(replica: replica) }

    public func leader() async throws -> LeaderInfo? { nil }
}
