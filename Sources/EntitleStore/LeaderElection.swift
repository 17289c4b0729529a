public import MarketplaceCore

/// One replica at a time leads: it runs the usage reporter, resync and pruning. `run` keeps trying
/// to lead (a Service's run) and holds the lead while it can; `isLeader` says whether it does now.
public protocol LeaderElection: Sendable {
    var isLeader: Bool { get }
    /// This replica's name (host, process, a random part).
    var replica: String { get }
    func run() async throws
}

/// The replica that leads, as it last wrote itself into the store.
public struct LeaderInfo: Hashable, Sendable, Codable {
    public var replica: String
    public var since: Timestamp
    /// When it last confirmed it still leads.
    public var heartbeat: Timestamp

    public init(replica: String, since: Timestamp, heartbeat: Timestamp) {
        self.replica = replica
        self.since = since
        self.heartbeat = heartbeat
    }
}

/// SQLite is one process's: it always leads.
public struct SingleProcessLeadership: LeaderElection {
    public let replica: String
    public var isLeader: Bool { true }

    public init(replica: String) {
        self.replica = replica
    }

    public func run() async throws {}
}
