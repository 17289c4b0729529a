import Foundation
import MarketplaceCore
import NIOCore
import PostgresNIO
import Synchronization

/// Every call to PostgreSQL ends within a bound, whatever the server or the network does. A call
/// waits for a pooled connection and then for the server's answers; when the server is stopped the
/// pool keeps trying to connect (for a minute before it gives up), and when the network drops
/// packets an answer never comes and only the kernel's TCP timeouts (minutes) end the wait. The
/// bound ends both: a lease still waiting is withdrawn (the pool honours cancellation), and a
/// connection with a statement in flight is closed, which fails the statement at once and keeps a
/// connection that may be dead out of the pool. Either way the caller gets
/// `StoreError.unavailable`, as it does for the errors that mean the same (connection refused or
/// lost, the server shutting down, a statement cancelled by the server's own `statement_timeout`).
enum PostgresDeadline {
    /// Runs `body` on a pooled connection, within `timeout`.
    static func withConnection<Value: Sendable>(
        _ client: PostgresClient,
        timeout: Duration,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        let held = Mutex<PostgresConnection?>(nil)
        let closeHeld: @Sendable () -> Void = { held.withLock { $0.map(close) } }
        return try await run(timeout, onExpiry: closeHeld) {
            try await client.withConnection { connection in
                held.withLock { $0 = connection }
                defer { held.withLock { $0 = nil } }
                return try await body(connection)
            }
        }
    }

    /// Runs `body` within `timeout`. When it runs out, `onExpiry` unblocks what the body waits on
    /// (closes its connection), the body's task is cancelled, and the call throws
    /// `StoreError.unavailable` at once: it does not wait for the body to notice, because a
    /// statement written to a connection that has just died may never be answered. Cancelling the
    /// caller (a shutdown) likewise returns at once and cancels the body.
    static func run<Value: Sendable>(
        _ timeout: Duration,
        onExpiry: @escaping @Sendable () -> Void,
        _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let race = DeadlineRace<Value>()
        let work = Task {
            do { race.finish(.success(try await body())) } catch { race.finish(.failure(unavailable(error) ?? error)) }
        }
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            let expired = StoreError.unavailable("PostgreSQL did not answer within \(timeout.seconds) s")
            if race.finish(.failure(expired)) {
                onExpiry()
                work.cancel()
            }
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await race.outcome()
        } onCancel: {
            if race.finish(.failure(CancellationError())) { work.cancel() }
        }
    }

    /// Closes the connection at once, failing what is in flight on it: no goodbye to a server that
    /// may not be listening.
    static func close(_ connection: PostgresConnection) {
        _ = connection.close() as EventLoopFuture<Void>
    }

    /// `error` as `StoreError.unavailable` when it says the server cannot be reached or is going
    /// away, not that the call itself was wrong (a constraint, a syntax error stay what they are).
    static func unavailable(_ error: any Error) -> StoreError? {
        if let error = error as? StoreError, case .unavailable = error { return error }
        guard let error = error as? PSQLError else { return nil }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return .unavailable("PostgreSQL connection: \(error.code)")
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            // 08: connection exception; 57P01–57P03: the server shutting down or starting;
            // 57014: a statement cancelled (statement_timeout); 53300: too many connections;
            // 25P03: an idle transaction ended by the server.
            guard state.hasPrefix("08") || ["57P01", "57P02", "57P03", "57014", "53300", "25P03"].contains(state)
            else { return nil }
            return .unavailable("PostgreSQL \(state): \(error.serverInfo?[.message] ?? "")")
        default:
            return nil
        }
    }
}
