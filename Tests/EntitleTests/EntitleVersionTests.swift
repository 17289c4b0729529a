import Entitle
import Testing

@Suite struct EntitleVersionTests {
    @Test("the User-Agent names the product and a semantic version")
    func userAgent() {
        let parts = EntitleVersion.current.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
        #expect(EntitleVersion.userAgent == "entitle/\(EntitleVersion.current)")
    }
}
