import EntitleTestSupport
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore
import Synchronization
import Testing

@testable import Entitle

/// What an attacker writes reaches the log cut and on one line: a forged token's 60 KB `kid` full
/// of newlines is logged as a bounded, escaped reason, in whichever format the process logs.
@Suite(.paced) struct LogSafetyTests {
    /// A handler that keeps what reaches it (the pure unit behind both formats' wrapper).
    final class Lines: Sendable {
        let kept = Mutex<[(String, Logger.Metadata)]>([])
    }

    struct Kept: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            lines.kept.withLock { $0.append((event.message.description, event.metadata ?? [:])) }
        }
    }

    @Test("a forged token's huge kid with newlines is logged cut to a few hundred bytes, on one line")
    func forgedKid() throws {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in EscapingLogHandler(Kept(lines: lines)) }
        let kid = String(repeating: "k", count: 30_000) + "\n2026-12-06T00:00:00+0000 info entitle: admin signed in\n"
        let reason = SignupError.invalidToken(TokenVerificationError.unknownKey(kid))
        logger.warning("sign-up refused \(kid)", metadata: ["reason": "\(reason)", "nested": .array([.string(kid)])])
        let (message, metadata) = try #require(lines.kept.withLock { $0.first })
        let logged = "\(metadata["reason"]!)"
        #expect(logged.utf8.count < 400 && logged.contains("…(30"), "\(logged.utf8.count) bytes")
        #expect(!logged.contains("\n") && !message.contains("\n") && !"\(metadata["nested"]!)".contains("\n"))
        #expect(message.utf8.count <= EscapingLogHandler<Kept>.maxBytes + 40, "\(message.utf8.count)")
    }
}
