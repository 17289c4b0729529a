import MarketplaceCore
import Testing

@Suite struct ResourceNameTests {
    @Test("full names parse into provider and id, and print back")
    func fullNames() throws {
        let account = try AccountName(parsing: "providers/DEMO-p/accounts/E-1234")
        #expect(account.provider.rawValue == "DEMO-p")
        #expect(account.account.rawValue == "E-1234")
        #expect(account.description == "providers/DEMO-p/accounts/E-1234")
        let entitlement = try EntitlementName(parsing: "providers/DEMO-p/entitlements/49849f71")
        #expect(entitlement.entitlement.rawValue == "49849f71")
        #expect(entitlement.description == "providers/DEMO-p/entitlements/49849f71")
    }

    @Test(
        "malformed names are rejected with the expected shape",
        arguments: [
            "", "accounts/a", "providers/p/accounts", "providers/p/entitlements/e", "providers//accounts/a",
            "providers/p/accounts/", "providers/p/accounts/a/b", "projects/p/accounts/a", "providers/p q/accounts/a",
        ]
    )
    func malformedAccountNames(name: String) {
        #expect(throws: ResourceNameError.self) { try AccountName(parsing: name) }
    }

    @Test("ids come from the last segment of either account-name form (contract §3)")
    func lastSegment() throws {
        #expect(try AccountID(lastSegmentOf: "providers/p/accounts/a-1").rawValue == "a-1")
        #expect(try AccountID(lastSegmentOf: "accounts/a-1").rawValue == "a-1")
        #expect(try AccountID(lastSegmentOf: "a-1").rawValue == "a-1")
        #expect(throws: ResourceNameError.self) { try AccountID(lastSegmentOf: "providers/p/accounts/") }
    }

    @Test(
        "bare ids reject empties, slashes, whitespace and control characters",
        arguments: ["", "a/b", "a b", "a\n", "\t"]
    )
    func badIDs(id: String) {
        #expect(throws: ResourceNameError.self) { try EntitlementID(id) }
    }

    @Test("errors explain themselves")
    func messages() {
        #expect("\(ResourceNameError.empty(kind: "account id"))" == "account id is empty")
        #expect(
            "\(ResourceNameError.malformedName(value: "x", expected: "providers/{providerId}/accounts/{id}"))".contains(
                "providers/{providerId}/accounts/{id}"
            )
        )
    }
}
