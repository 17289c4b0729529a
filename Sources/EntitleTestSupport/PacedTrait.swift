import Foundation
public import Testing

/// Runs a suite's tests a few at a time across the whole test run: `@Suite(.paced)`.
///
/// Swift Testing starts every test at once. On a two-core machine some 350 tests then share the two
/// threads of the cooperative pool for the first minute, and a test that waits for something to
/// happen "within 10 s" — a callback's third attempt 0.2 s after its second, a four-second token's
/// refresh, a two-second sign-up that must still be open when the app completes it — waited for
/// longer than that behind the others' work (a full run failed there, each test alone passed).
/// With at most `TestSlots.width` tests running at a time the run takes as long (the serialized
/// process suite is its longest path) and a test's own waits measure the code, not the queue.
/// Every suite that starts servers, processes or stores carries it (`.ci/run` checks); the pure
/// units of MarketplaceCoreTests and EntitleCLITests do not need it.
public struct PacedTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// A slot per test case (each argument of a parameterized test alone); suites take none, so
    /// a suite's tests never wait for the suite that holds them.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> PacedTrait? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await TestSlots.shared.holding(function)
    }
}

extension Trait where Self == PacedTrait {
    /// Runs the suite's tests a few at a time across the test run (`PacedTrait`).
    public static var paced: Self { PacedTrait() }
}

/// The slots `PacedTrait` hands out, first come first served.
public actor TestSlots {
    /// Three per core (at least four): enough that tests waiting on processes and timers keep the
    /// cores busy; a full run with six on two cores took 515 s, as long as an unpaced one.
    public static let width = max(4, 3 * ProcessInfo.processInfo.activeProcessorCount)
    public static let shared = TestSlots(width: width)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(width: Int) {
        self.width = width
        free = width
    }

    private let width: Int
    /// Slots held now: a test under `.paced` sees its own among them.
    public var held: Int { width - free }

    /// Runs `body` holding a slot, given back however `body` ends.
    public func holding(_ body: @Sendable () async throws -> Void) async throws {
        await acquire()
        do {
            try await body()
        } catch {
            release()
            throw error
        }
        release()
    }

    public func acquire() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the slot straight to the longest waiter, so a newcomer cannot take it first.
    public func release() {
        if waiting.isEmpty {
            free += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
