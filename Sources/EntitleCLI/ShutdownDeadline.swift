import Foundation
import Logging
import MarketplaceCore
import ServiceLifecycle

/// Holds `entitle serve` to its shutdown bound (`shutdownTimeoutSeconds`). Listed last, it is the
/// first service its group tells to shut down; it then starts a clock and returns, so the others
/// stop in their order. If they have not all stopped when the clock runs out (a store or Google
/// not answering, a service that ignores cancellation), the process exits anyway: a platform
/// would SIGKILL it at the end of its grace period, and by exiting first Entitle says so in its
/// log. Nothing is lost by it: what was not committed was never acked or answered 2xx, so Pub/Sub
/// delivers it again and the app's usage client sends again.
struct ShutdownDeadline: Service {
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let (timeout, logger) = (timeout, logger)
        // A thread of its own, not a task: the cooperative pool may be the thing that is stuck.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: timeout.seconds)
            let seconds = Int(timeout.seconds)
            let message =
                "shutdown did not finish within shutdownTimeoutSeconds (\(seconds) s); exiting now. "
                + "Work not committed is handed back: Pub/Sub redelivers it and usage clients send it again"
            logger.critical("\(message)")
            exit(1)
        }
    }
}
