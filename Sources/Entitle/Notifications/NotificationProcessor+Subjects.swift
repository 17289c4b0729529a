import EntitleStore
import Foundation
import Logging
import MarketplaceCore

/// One decision about a subject at a time: the process's workers take turns on `SubjectLocks`, and
/// replicas on the store's subject lease (PostgreSQL; SQLite has one process and grants it at
/// once). Two replicas deciding from the same stored copy could both announce a transition, or
/// commit callbacks out of order.
extension NotificationProcessor {
    /// A lease lasts this long unless renewed; the holder renews it every third of it while it
    /// decides (Google's retries can take minutes), so a killed replica's subjects are free again
    /// within this.
    static let subjectLeaseSeconds: Int64 = 30
    /// How long a message waits for another replica's decision before it is handed back.
    static let subjectWait: Duration = .seconds(30)

    struct SubjectBusy: Error, CustomStringConvertible {
        var subject: String
        var description: String { "another replica is deciding about \(subject); handed back" }
    }

    /// Runs `body` holding `subject`. The lease is given back when `body` ends, unless its last
    /// commit gave it back already (`SubjectHold.releasing`).
    func withSubject<Value: Sendable>(
        _ subject: String,
        _ body: @Sendable @escaping (SubjectHold) async throws -> Value
    ) async throws -> Value {
        // One process on the store: its own lock is all (no lease to take, renew and give back).
        guard store.leasesSubjects else { return try await locks.withLock(subject) { try await body(SubjectHold()) } }
        let lease = SubjectLease(subject: subject, holder: replica)
        let hold = SubjectHold(lease)
        return try await locks.withLock(subject) {
            let deadline = ContinuousClock.now + Self.subjectWait
            var pause = Duration.milliseconds(20)
            while !(try await leaseSubject(subject)) {
                guard ContinuousClock.now < deadline else { throw SubjectBusy(subject: subject) }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(500))
            }
            do {
                let value = try await whileRenewing(lease, hold) { try await body(hold) }
                if !hold.isGivenBack { try await store.releaseSubject(subject, holder: replica) }
                return value
            } catch {
                // Given back or not (a commit that failed did not), giving it back again is harmless.
                try? await store.releaseSubject(subject, holder: replica)
                throw error
            }
        }
    }

    private func leaseSubject(_ subject: String) async throws -> Bool {
        try await store.acquireSubject(
            subject,
            holder: replica,
            until: now().adding(seconds: Self.subjectLeaseSeconds),
            now: now()
        )
    }

    private func whileRenewing<Value: Sendable>(
        _ lease: SubjectLease,
        _ hold: SubjectHold,
        _ body: @Sendable @escaping () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(Self.subjectLeaseSeconds / 3))
                    // Renewed, never taken again: a renewal racing the commit that gave it back
                    // must not leave it held. A failed one is retried at the next; two thirds are left.
                    let until = now().adding(seconds: Self.subjectLeaseSeconds)
                    let renewed = try? await store.renewSubject(lease.subject, holder: lease.holder, until: until)
                    if renewed == false && !hold.isGivenBack {
                        logger.warning(
                            "subject lease taken over while deciding",
                            metadata: ["subject": "\(lease.subject)"]
                        )
                    }
                }
                return nil
            }
            group.addTask { try await body() }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }
}
