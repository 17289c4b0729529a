import Foundation
import Logging
public import MarketplaceCore
import PostgresNIO
import Synchronization

/// One replica leads at a time: the one holding a session-level advisory lock on a connection of
/// its own. The others try again every `retry`; when the leader dies its connection closes, the
/// server releases the lock, and the next try takes over, so leadership moves within `retry`
/// (plus the time the server needs to see the connection gone: at once for a killed process, its
/// TCP keepalive for a vanished host, which the store sets to seconds). The leader writes itself
/// into `leader` every `heartbeat`, which the admin API shows; a heartbeat that fails, or is not
/// answered within the store's bound (a network dropping packets), ends its leadership at once and
/// closes the connection, so a replica never leads on a lock it cannot know it still holds.
final class PostgresLeadership: LeaderElection, Sendable {
    static let lockKey: Int64 = 0x656E_7469_746C_6502

    let replica: String
    let client: PostgresClient
    let logger: Logger
    let retry: Duration
    let heartbeat: Duration
    /// How long one statement on the leader's connection may take.
    let timeout: Duration
    private let leading = Mutex(false)

    init(
        client: PostgresClient,
        replica: String,
        logger: Logger,
        timeout: Duration,
        retry: Duration = .seconds(2),
        heartbeat: Duration = .seconds(1)
    ) {
        self.client = client
        self.timeout = timeout
        self.replica = replica
        self.logger = logger
        self.retry = retry
        self.heartbeat = heartbeat
    }

    var isLeader: Bool { leading.withLock { $0 } }

    /// Runs until cancelled, leading whenever it can.
    func run() async throws {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    do {
                        try await lead(on: connection)
                    } catch {
                        // Said before anything else: a replica that stopped leading must say so even
                        // when its unlock below cannot reach the server either.
                        let wasLeading = leading.withLock { leading in
                            defer { leading = false }
                            return leading
                        }
                        if wasLeading, !(error is CancellationError) {
                            logger.error("leadership lost", metadata: ["replica": "\(replica)", "error": "\(error)"])
                        }
                        // Never hand a connection back to the pool still holding the lock.
                        _ = try? await bounded(on: connection) { [logger] in
                            try await connection.query("SELECT pg_advisory_unlock_all()", logger: logger)
                        }
                        throw error
                    }
                }
            } catch is CancellationError {
                break
            } catch {
                leading.withLock { $0 = false }
                if Task.isCancelled { break }
                try? await Task.sleep(for: retry)
            }
        }
        leading.withLock { $0 = false }
    }

    private func lead(on connection: PostgresConnection) async throws {
        while try await !tryLock(on: connection) { try await Task.sleep(for: retry) }
        let since = Timestamp(Date()).micros
        _ = try await bounded(on: connection) { [replica, logger] in
            try await connection.query(
                """
                INSERT INTO leader (id, replica, since, heartbeat) VALUES (1, \(replica), \(since), \(since))
                ON CONFLICT (id) DO UPDATE SET replica = excluded.replica, since = excluded.since,
                    heartbeat = excluded.heartbeat
                """,
                logger: logger
            )
        }
        leading.withLock { $0 = true }
        logger.notice("leading", metadata: ["replica": "\(replica)"])
        while true {
            try await Task.sleep(for: heartbeat)
            _ = try await bounded(on: connection) { [logger] in
                try await connection.query(
                    "UPDATE leader SET heartbeat = \(Timestamp(Date()).micros) WHERE id = 1",
                    logger: logger
                )
            }
        }
    }

    private func tryLock(on connection: PostgresConnection) async throws -> Bool {
        try await bounded(on: connection) { [logger] in
            for try await locked in try await connection.query(
                "SELECT pg_try_advisory_lock(\(Self.lockKey))",
                logger: logger
            ).decode(Bool.self) {
                return locked
            }
            return false
        }
    }

    /// One statement on the leader's own connection, within the store's bound: past it the
    /// connection is closed, which fails the statement and ends leadership.
    private func bounded<Value: Sendable>(
        on connection: PostgresConnection,
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await PostgresDeadline.run(timeout, onExpiry: { PostgresDeadline.close(connection) }, body)
    }
}

extension PostgresStore {
    /// A lease row rather than a held lock: a replica deciding about a subject calls Google while
    /// it holds it, and must not hold a pooled connection that long; a dead holder's lease runs out.
    public func acquireSubject(
        _ subject: String,
        holder: String,
        until: Timestamp,
        now: Timestamp
    ) async throws -> Bool {
        let lease = SubjectLease(subject: subject, holder: holder)
        return try await changed(SubjectLeaseSQL.acquire(lease, until: until, now: now)) == 1
    }

    public func renewSubject(_ subject: String, holder: String, until: Timestamp) async throws -> Bool {
        try await changed(SubjectLeaseSQL.renew(SubjectLease(subject: subject, holder: holder), until: until)) == 1
    }

    public func releaseSubject(_ subject: String, holder: String) async throws {
        try await execute(SubjectLeaseSQL.release(SubjectLease(subject: subject, holder: holder)))
    }

    public func leaderElection(replica: String) -> any LeaderElection {
        PostgresLeadership(client: client, replica: replica, logger: logger, timeout: timeout)
    }

    public func leader() async throws -> LeaderInfo? {
        try await fetchOne("SELECT * FROM leader WHERE id = 1") {
            LeaderInfo(replica: try $0.get("replica"), since: try $0.time("since"), heartbeat: try $0.time("heartbeat"))
        }
    }
}
