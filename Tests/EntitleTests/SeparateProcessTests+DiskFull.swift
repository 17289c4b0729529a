import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// A full disk under the SQLite store: `entitle serve` on a small file system of the test's own
/// (tmpfs), filled by the test under load and emptied 20 s later.
extension SeparateProcessTests {
    /// `/readyz` 503 within 2 s and 200 within 10 s of space returning, writes refused 503 with
    /// `Retry-After`, Entitle up throughout and carrying on without a restart; afterwards the store
    /// equals Google, billed equals accepted, every callback delivered with one body.
    @Test(
        "full disk: SQLite's file system full for 20 s under load: 503s, /readyz follows, nothing lost, no restart"
    )
    func fullDisk() async throws {
        let disk = try await SmallFileSystem.mount(megabytes: 24)
        do {
            try await withOutageSetup(store: disk.path + "/entitle.sqlite") { setup, receiver in
                try await fullDisk(setup, disk: disk, receiver: receiver)
            }
        } catch {
            await disk.unmount()
            throw error
        }
        await disk.unmount()
    }

    private func fullDisk(_ setup: Setup, disk: SmallFileSystem, receiver: HTTPReceiver) async throws {
        let running = setup.running
        let (child, admin, load) = try await serveUnderLoad(setup)
        let (down, downWall) = (ContinuousClock.now, Timestamp(Date()))
        let filler = try disk.fill()
        try await Task.sleep(for: .seconds(20))
        try FileManager.default.removeItem(atPath: filler)
        let (up, upWall) = (ContinuousClock.now, Timestamp(Date()))
        let generator = try await load.finish()
        try await converge(running, admin: admin)
        #expect(child.process.isRunning, "the same process carried on")
        let figures = await load.figures(down: down, up: up)
        // SQLite answers at once, full or not: the bound is never approached.
        figures.expectHandled(within: .seconds(1))
        let (callbacks, deliveries) = try await expectNothingLost(
            running,
            admin: admin,
            receiver: receiver,
            accepted: generator,
            outages: [downWall...upWall]
        )
        // Full again, and SIGTERM in it: Entitle ends within its bound (10 s), and a new process
        // finds everything that was acknowledged.
        let filledAgain = try disk.fill()
        try await Task.sleep(for: .seconds(2))
        let terminated = ContinuousClock.now
        let status = try await child.stop(grace: .seconds(15))
        let exited = ContinuousClock.now - terminated
        #expect(exited <= .seconds(11), "SIGTERM on a full disk exits within its bound: \(exited)")
        try FileManager.default.removeItem(atPath: filledAgain)
        let (again, adminAgain) = try await serve(setup, run: 2)
        try await converge(running, admin: adminAgain)
        try await again.stop()
        print(
            "full disk: SQLite's file system full for 20 s; \(figures); \(callbacks) callbacks in \(deliveries) "
                + "deliveries; \(generator.accepted.count) records billed as accepted; SIGTERM on a full disk: "
                + "exit \(status) after \(exited)"
        )
    }
}
