import Entitle
import Foundation
import Testing

/// docs/configuration.md against the code: every setting `EntitleConfiguration` has (its file
/// keys) and every environment variable Entitle reads is in the reference table, and the table
/// lists nothing the code no longer reads.
@Suite struct SettingsReferenceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The reference table's rows: backticked names of the first column (file keys) and of the
    /// second (environment variables).
    static func documented() throws -> (keys: Set<String>, environment: Set<String>) {
        let text = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        var keys: Set<String> = []
        var environment: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard cells.count > 3 else { continue }
            keys.formUnion(names(in: cells[1]))
            environment.formUnion(names(in: cells[2]).filter { $0.uppercased() == $0 })
        }
        return (keys, environment)
    }

    static func names(in cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
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

    @Test("every file key of EntitleConfiguration is in docs/configuration.md, and no other")
    func fileKeys() throws {
        let code = Set(Mirror(reflecting: EntitleConfiguration()).children.compactMap(\.label))
        let documented = try Self.documented().keys
        #expect(code.subtracting(documented).isEmpty, "undocumented settings: \(code.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(code).isEmpty,
            "documented but not settings: \(documented.subtracting(code).sorted())"
        )
    }

    @Test("every environment variable Entitle reads is in docs/configuration.md, and no other")
    func environment() throws {
        let code = try Self.read()
        let documented = try Self.documented().environment
        #expect(code.count > 40, "the scan found too few variables: \(code.sorted())")
        #expect(
            code.subtracting(documented).isEmpty,
            "undocumented variables: \(code.subtracting(documented).sorted())"
        )
        #expect(
            documented.subtracting(code).isEmpty,
            "documented but never read: \(documented.subtracting(code).sorted())"
        )
    }
}
