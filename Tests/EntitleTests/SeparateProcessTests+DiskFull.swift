import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A full disk under the SQLite store: `entitle serve` on a small file system of the test's own
/// (tmpfs), filled by the test under load and emptied 20 s later.
extension SeparateProcessTests {
    /// A small tmpfs mounted for the test; it needs root, as CI runs (never skipped quietly).
    struct SmallFileSystem {
        let path: String

        static func mount(megabytes: Int) async throws -> SmallFileSystem {
            guard geteuid() == 0 else {
                throw ChildProcessError(message: "mounting a small file system for the full-disk test needs root")
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("entitle-full-\(UUID())").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let result = try await ChildProcess.run(
                URL(fileURLWithPath: "/usr/bin/env"),
                arguments: ["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]
            )
            guard result.status == 0 else { throw ChildProcessError(message: "mount tmpfs: \(result.output)") }
            return SmallFileSystem(path: path)
        }

        /// Writes a file until the file system has no room left; its path.
        func fill() throws -> String {
            let filler = path + "/filler"
            _ = FileManager.default.createFile(atPath: filler, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
            defer { try? handle.close() }
            let chunk = Data(repeating: 0x5A, count: 64 * 1024)
            do { while true { try handle.write(contentsOf: chunk) } } catch {}
            // The last bytes a chunk did not fit.
            do { while true { try handle.write(contentsOf: Data(repeating: 0x5A, count: 512)) } } catch {}
            return filler
        }

        func unmount() async {
            _ = try? await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["umount", "-l", path])
            try? FileManager.default.removeItem(atPath: path)
        }
    }

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
