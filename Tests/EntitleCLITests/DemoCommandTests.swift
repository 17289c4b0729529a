import Synchronization
import Testing

@testable import EntitleCLI

/// `entitle demo` in-process: the sandbox it starts and the journey it scripts, for a product
/// approved after sign-up and one an administrator approves.
@Suite struct DemoCommandTests {
    @Test("the demo journey reaches every state for both products and the final states match")
    func demoJourney() async throws {
        let lines = Mutex<[String]>([])
        try await DemoCommand.play { line in lines.withLock { $0.append(line) } }
        let log = lines.withLock { $0 }
        // Each product's last step, in order: a journey that stopped early logs fewer.
        let finals = log.filter { $0.contains("final states match") }
        #expect(finals.count == 2, "\(log.joined(separator: "\n"))")
        #expect(log.contains { $0.contains("an administrator approved the order") })
        #expect(log.contains { $0.contains("private offer replaced") })
    }
}
