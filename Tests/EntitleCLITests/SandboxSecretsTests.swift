import Foundation
import MarketplaceCore
import OwnerOnlyFiles
import Testing

@testable import EntitleCLI

/// Sandbox mode's generated admin token and usage key, kept beside the store across restarts.
@Suite struct SandboxSecretsTests {
    @Test("the secrets file is owner-only from the moment it exists, and read back the same")
    func ownerOnly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = directory.appendingPathComponent("entitle.sqlite").path
        let made = try SandboxSecrets.load(store: store)
        let path = SandboxSecrets.path(store: store)
        #expect(OwnerOnlyFile.mode(path) == 0o600, "\(String(OwnerOnlyFile.mode(path) ?? 0, radix: 8))")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files == [URL(fileURLWithPath: path).lastPathComponent], "no temporary file left: \(files)")
        #expect(try SandboxSecrets.load(store: store).adminToken == made.adminToken)
    }
}
