import EntitleTestSupport
import Testing

/// The slots behind `.paced`: never more holders than the width, and every waiter served.
@Suite(.paced) struct TestSlotsTests {
    actor Gauge {
        private(set) var now = 0
        private(set) var most = 0
        private(set) var done = 0
        func enter() {
            now += 1
            most = max(most, now)
        }
        func leave() {
            now -= 1
            done += 1
        }
    }

    @Test("twelve holders through three slots: at most three at a time, all twelve served")
    func width() async throws {
        let slots = TestSlots(width: 3)
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    await slots.acquire()
                    await gauge.enter()
                    try await Task.sleep(for: .milliseconds(20))
                    await gauge.leave()
                    await slots.release()
                }
            }
            try await group.waitForAll()
        }
        #expect(await gauge.most == 3)
        #expect(await gauge.done == 12)
    }

    @Test("a test of a paced suite runs holding a slot of the run's")
    func pacedHoldsASlot() async {
        #expect(await TestSlots.shared.held >= 1)
    }
}
