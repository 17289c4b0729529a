import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

@testable import MarketplaceEmulator

/// Each form of the list filter grammar (contract §3.3) against a small known population.
@Suite(.paced) struct EntitlementFilterTests {
    /// a1: basic ACTIVE (consumer projects/111), a1: premium ACTIVATION_REQUESTED,
    /// a2: standard ACTIVE with a pending change to premium, a2: team (analytics) ACTIVATION_REQUESTED with an offer.
    private func population(_ running: RunningEmulator) async throws -> [String: String] {
        func buy(_ body: [String: AnyEncodable]) async throws -> RunningEmulator.Purchase {
            try await running.http.post("emulator/v1/purchases", body).decode()
        }
        let one = try await buy([
            "product": AnyEncodable("example-messaging-service"), "plan": AnyEncodable("basic"),
            "account": AnyEncodable("a1"),
            "consumerProject": AnyEncodable("projects/111"),
        ])
        let two = try await buy([
            "product": AnyEncodable("example-messaging-service"), "plan": AnyEncodable("premium"),
            "account": AnyEncodable("a1"),
        ])
        let three = try await buy([
            "product": AnyEncodable("example-messaging-service"), "plan": AnyEncodable("standard"),
            "account": AnyEncodable("a2"),
        ])
        let four = try await buy([
            "product": AnyEncodable("example-analytics"), "plan": AnyEncodable("team"), "account": AnyEncodable("a2"),
            "offer": AnyEncodable([
                "name": "projects/p/services/s/privateOffers/o1", "startTime": "2100-01-01T00:00:00Z",
            ]),
        ])
        try await running.approveSignup("a1")
        try await running.approveSignup("a2")
        _ = try await running.http.post("\(running.entitlements)/\(one.entitlementId):approve")
        _ = try await running.http.post("\(running.entitlements)/\(three.entitlementId):approve")
        _ = try await running.http.post(
            "emulator/v1/entitlements/\(three.entitlementId)/change-plan",
            ["plan": "premium"]
        )
        return [
            "one": one.entitlementId, "two": two.entitlementId, "three": three.entitlementId,
            "four": four.entitlementId,
        ]
    }

    static let cases: [(String, [String])] = [
        ("state=active", ["one"]),
        ("state=ENTITLEMENT_ACTIVE", ["one"]),
        ("state=Activation_Requested", ["two", "four"]),
        ("state=pending_plan_change_approval", ["three"]),
        ("account=a1", ["one", "two"]),
        ("plan!=basic", ["two", "three", "four"]),
        (#"product_external_name="example-analytics.gcpmarketplace.example.com""#, ["four"]),
        (#"offer="projects/p/services/s/privateOffers/o1""#, ["four"]),
        ("new_pending_plan=premium", ["three"]),
        ("newPendingPlan=premium", ["three"]),
        ("account=a1 plan=premium", ["two"]),
        ("account=a1 AND plan=premium", ["two"]),
        ("plan=basic OR plan=standard", ["one", "three"]),
        // AIP-160: OR binds tighter than AND and juxtaposition.
        ("plan=team OR plan=basic AND account=a1", ["one"]),
        ("plan=team OR plan=basic account=a1", ["one"]),
        ("account=a1 AND plan=premium OR plan=team", ["two"]),
        ("NOT account=a1", ["three", "four"]),
        ("state=activation_requested AND (account=a1 OR plan=team)", ["two", "four"]),
        ("NOT (plan=basic OR plan=premium) account=a2", ["three", "four"]),
        ("consumers.project:projects/111", ["one"]),
        (#"change_history.new_offer:"projects/p/services/s/privateOffers/o1""#, ["four"]),
        ("", ["one", "two", "three", "four"]),
    ]

    // MARK: Tests

    @Test("each filter form selects exactly its entitlements", arguments: cases)
    func filters(filter: String, expected: [String]) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let ids = try await population(running)
            let query = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let page: ListEntitlementsResponse = try await running.http.get("\(running.entitlements)?filter=\(query)")
                .decode()
            #expect(
                Set(page.entitlements?.compactMap(\.id?.rawValue) ?? []) == Set(expected.map { ids[$0]! }),
                "\(filter)"
            )
        }
    }

    @Test(
        "form-encoded, as Google's clients send it (spaces as +), each filter selects the same entitlements",
        arguments: cases
    )
    func formEncoded(filter: String, expected: [String]) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let ids = try await population(running)
            let encoded = filter.split(separator: " ", omittingEmptySubsequences: false)
                .map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }.joined(separator: "+")
            let page: ListEntitlementsResponse = try await running.http.get("\(running.entitlements)?filter=\(encoded)")
                .decode()
            #expect(
                Set(page.entitlements?.compactMap(\.id?.rawValue) ?? []) == Set(expected.map { ids[$0]! }),
                "\(encoded)"
            )
            let dangling = try await running.http.get("\(running.entitlements)?filter=plan%3Dbasic+AND")
            #expect(dangling.status == 400, "a filter ending in AND: \(dangling)")
        }
    }

    @Test(
        "filters Google refuses → 400 INVALID_ARGUMENT",
        arguments: [
            "consumers.project=projects/111", "colour=red", #"plan="basic"#, "plan=", "(plan=basic", "plan=basic)",
            "AND", "plan ! basic", "NOT",
        ]
    )
    func invalid(filter: String) throws {
        #expect(throws: GoogleAPIError.self) { try EntitlementFilter(parsing: filter) }
    }
}
