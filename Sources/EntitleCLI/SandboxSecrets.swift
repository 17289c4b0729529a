import EntitleStore
import Foundation
import MarketplaceCore
import OwnerOnlyFiles

/// The sandbox's admin token and usage key: made at the first start and kept in a file beside the
/// store (readable by its owner only), so scripts written against a sandbox survive its restarts.
struct SandboxSecrets: Codable {
    var adminToken: String
    var usageKey: String

    /// Beside an SQLite store; in the working directory for a PostgreSQL one.
    static func path(store: String) -> String { base(store: store) + ".sandbox.json" }

    static func base(store: String) -> String {
        if case .sqlite(let path)? = try? StoreLocation(parsing: store) { return path }
        return "entitle-sandbox"
    }

    static func load(store: String) throws -> SandboxSecrets {
        let url = URL(fileURLWithPath: path(store: store))
        if let data = try? Data(contentsOf: url),
            let secrets = try? JSONDecoder().decode(SandboxSecrets.self, from: data)
        {
            return secrets
        }
        let secrets = SandboxSecrets(
            adminToken: UUID().uuidString.lowercased(),
            usageKey: UUID().uuidString.lowercased()
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try OwnerOnlyFile.write(try encoder.encode(secrets), to: url.path)
        return secrets
    }
}
