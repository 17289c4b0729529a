import EntitleStore
import Logging
import ServiceLifecycle

/// The loop of a service only the leading replica runs (resync, pruning, usage reporting, agent
/// clients): wait to lead, run a pass, sleep `interval`, until the service group shuts down. A
/// pass that fails is logged and the next one runs as scheduled: one bad pass never stops the loop.
struct LeaderPasses {
    let interval: Duration
    let leadership: any LeaderElection
    let logger: Logger
    /// Names the pass in the log line of a failure ("usage pass failed; …").
    let name: String

    func run(_ pass: () async throws -> Void) async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await leadership.waitUntilLeading()
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
            do { try await pass() } catch {
                logger.error("\(name) failed; next pass as scheduled", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }
}
