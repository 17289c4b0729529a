import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

@testable import Entitle

/// The settings catalog against the code and the documentation: docs/configuration.md shows what
/// `SettingsCatalog` says, every environment variable the code reads is in the catalog, every
/// stored setting of `EntitleConfiguration` has its entry, and secrets never reach the console.
@Suite(.paced) struct SettingsReferenceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The generated block `name` of `file` (docs/configuration.md's `settings`, README's `settings-index`).
    static func documentedBlock(_ file: String = "docs/configuration.md", name: String = "settings") throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        guard let begin = text.range(of: "<!-- \(name):begin"), let end = text.range(of: "<!-- \(name):end -->"),
            let lineEnd = text[begin.upperBound...].firstIndex(of: "\n")
        else { return "" }
        return text[text.index(after: lineEnd)..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Environment variables named as string literals in the sources of `entitle` (not the test
    /// support library's).
    static func read() throws -> Set<String> {
        var found: Set<String> = []
        let pattern = try Regex(#""((?:ENTITLE_[A-Z0-9_]+)|PORT)""#)
        for folder in ["Sources/Entitle", "Sources/EntitleCLI"] {
            let base = root.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?.allObjects ?? []
            for case let file as URL in files where file.pathExtension == "swift" {
                let text = try String(contentsOf: file, encoding: .utf8)
                for match in text.matches(of: pattern) {
                    if let name = match.output[1].substring { found.insert(String(name)) }
                }
            }
        }
        return found
    }

    @Test(
        "docs/configuration.md shows the catalog, README its variables (regenerate with `entitle settings [--index]`)"
    )
    func documented() throws {
        let documented = try Self.documentedBlock("docs/configuration.md")
        #expect(documented == SettingsCatalog.markdown(), "docs/configuration.md differs from `entitle settings`")
        let index = try Self.documentedBlock("README.md", name: "settings-index")
        #expect(index == SettingsCatalog.index(), "README's table differs from `entitle settings --index`")
        // README is the front door: the one copy of the full table is the manual's.
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("(docs/configuration.md)") && !readme.contains("<!-- settings:begin"))
        #expect(readme.utf8.count <= 10_000, "README is \(readme.utf8.count) bytes; the manual belongs in docs/")
    }

    @Test("every stored setting of EntitleConfiguration has one catalog entry, and every entry's key is one")
    func everySettingOnce() {
        let stored = Set(Mirror(reflecting: EntitleConfiguration()).children.compactMap(\.label))
        let keys = SettingsCatalog.all.compactMap(\.key)
        #expect(
            Set(keys) == stored,
            "missing: \(stored.subtracting(keys).sorted()), extra: \(Set(keys).subtracting(stored).sorted())"
        )
        #expect(keys.count == Set(keys).count, "a key described twice")
        let names = SettingsCatalog.all.compactMap(\.environment)
        #expect(names.count == Set(names).count, "an environment variable described twice")
    }

    @Test("every environment variable Entitle reads is in the catalog")
    func environment() throws {
        let code = try Self.read()
        let catalog = Set(SettingsCatalog.all.compactMap(\.environment))
        #expect(code.count > 40, "the scan found too few variables: \(code.sorted())")
        #expect(code.subtracting(catalog).isEmpty, "read but not in the catalog: \(code.subtracting(catalog).sorted())")
    }

    @Test("the console's settings page shows no secret nor any part of one, whatever the catalog marks secret")
    func secretsMasked() throws {
        var configuration = EntitleConfiguration()
        let secret = "s3cret-value-that-must-not-show-0123456789"
        configuration.adminToken = secret + "-WXYZ"
        configuration.adminTokenPrevious = secret + "-QRST"
        configuration.callbackSecret = secret + "-KLMN"
        configuration.callbackSecretPrevious = secret + "-GHIJ"
        configuration.metricsToken = secret + "-CDEF"
        configuration.slackWebhookURL = "https://hooks.slack.com/services/" + secret
        configuration.usageAPIKeys = [
            "app": AppAccess(secret + "-UVAB"),
            "billing": AppAccess(keys: [secret + "-OPQR"], permissions: [.usageWrite], products: ["svc"]),
        ]
        configuration.storeURL = "postgres://entitle:\(secret)@db.example.com/entitle"
        let rows = ConsoleSettingsView.rows(configuration)
        #expect(rows.count > 30)
        for (key, value) in rows {
            #expect(!value.contains("s3cret-value"), "\(key) shows a secret: \(value)")
            for tail in ["WXYZ", "QRST", "KLMN", "GHIJ", "CDEF", "UVAB", "OPQR"] {
                #expect(!value.contains(tail), "\(key) shows the end of a secret: \(value)")
            }
        }
        #expect(rows.first { $0.0 == "usageAPIKeys" }?.1.contains("permissions usage:write; products svc") == true)
        #expect(
            SettingsCatalog.secretKeys.isSuperset(of: ["adminToken", "callbackSecret", "metricsToken", "usageAPIKeys"])
        )
    }
}
