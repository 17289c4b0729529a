import EntitleTestSupport
import Testing

@testable import Entitle

@Suite(.paced) struct PullFlowControlTests {
    @Test("a reservation waits until a batch's worth of places is free, and waiters are served in order")
    func reservations() async throws {
        let flow = PullFlowControl(capacity: 20)
        await flow.reserve(10)
        await flow.reserve(10)
        let order = Order()
        let first = Task {
            await flow.reserve(10)
            await order.append(1)
        }
        try await Task.sleep(for: .milliseconds(50))
        let second = Task {
            await flow.reserve(5)
            await order.append(2)
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await order.values.isEmpty, "nothing free yet")
        // Nine single messages done: not yet a batch for the first waiter, and the second waits behind it.
        for _ in 0..<9 { await flow.release(1) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await order.values.isEmpty)
        await flow.release(1)
        await first.value
        await flow.release(5)
        await second.value
        #expect(await order.values == [1, 2])
    }

    private actor Order {
        var values: [Int] = []
        func append(_ value: Int) { values.append(value) }
    }
}
