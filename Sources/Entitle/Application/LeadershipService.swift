public import EntitleStore
import Foundation
public import ServiceLifecycle

/// Runs the store's leader election for as long as the server runs (`LeaderElection.run`).
public struct LeadershipService: Service {
    let election: any LeaderElection

    public init(_ election: any LeaderElection) {
        self.election = election
    }

    /// Returns only on shutdown: a service that returns early makes its `ServiceGroup` cancel every
    /// other service, and a cancelled HTTP server can trap in NIO on a connection it is accepting.
    /// SQLite's election has nothing to run and returns at once.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown { [election] in try await election.run() }
        try? await gracefulShutdown()
    }
}

extension LeaderElection {
    /// Returns once this replica leads (at once with SQLite), or on shutdown.
    func waitUntilLeading() async {
        while !isLeader, !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}

/// Closes the store (PostgreSQL's connection pool) when everything else has stopped: listed first,
/// it is shut down last.
struct StoreCloser: Service {
    let close: @Sendable () async -> Void

    func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
