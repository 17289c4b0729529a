import Entitle
import EntitleTestSupport
import Foundation
import Testing

@Suite(.paced) struct EntitleVersionTests {
    @Test("the User-Agent names the product and a semantic version")
    func userAgent() {
        let parts = EntitleVersion.current.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
        #expect(EntitleVersion.userAgent == "entitle/\(EntitleVersion.current)")
    }

    @Test("the newest release in CHANGELOG.md is the version the binary reports")
    func changelog() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let releases = text.split(separator: "\n").filter { $0.hasPrefix("## ") && $0.first(where: \.isNumber) != nil }
        #expect(
            releases.first?.hasPrefix("## \(EntitleVersion.current) - ") == true,
            "\(releases.first ?? "no release")"
        )
    }

    @Test("--version names the version and the commit the binary was built from")
    func commit() {
        #expect(EntitleVersion.description.hasPrefix("entitle \(EntitleVersion.current) (commit "))
        #expect(!EntitleVersion.commit.isEmpty)
    }
}
