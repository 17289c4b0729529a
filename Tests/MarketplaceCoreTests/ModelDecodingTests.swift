import Foundation
import MarketplaceCore
import Testing

@Suite struct ModelDecodingTests {
    @Test("an entitlement with every field decodes; empty times read as absent")
    func fullEntitlement() throws {
        let entitlement = try Fixture.decode(Entitlement.self, "entitlement-full.json")
        #expect(entitlement.id?.rawValue == "49849f71-849b-49ad-9c0f-60389c1604e5")
        #expect(entitlement.accountID?.rawValue == "E-1234-5678-ABCD-EFGH")
        #expect(entitlement.state == .pendingPlanChangeApproval)
        #expect(entitlement.newPendingPlan == "premium")
        #expect(entitlement.offerTerm == ISO8601Duration(years: 1, months: 6))
        #expect(entitlement.newPendingOfferTerm == ISO8601Duration(years: 2))
        #expect(entitlement.offerEndTime == nil)
        #expect(entitlement.newOfferEndTime == nil)
        #expect(entitlement.newOfferStartTime == (try Timestamp(rfc3339: "2025-09-01T00:00:00Z")))
        #expect(entitlement.updateTime?.nanos == 123_456_789)
        #expect(entitlement.consumers == [Consumer(project: "projects/123456789")])
        #expect(entitlement.usageReportingId == "project_number:123456789")
        #expect(entitlement.orderId == "order-0001")
        #expect(entitlement.entitlementBenefitIds == ["benefit-1"])
        #expect(entitlement.inputProperties == ["region": .string("eu")])
        #expect(entitlement.messageToUser?.isEmpty == false)
        #expect(entitlement.quoteExternalName == "quote-42")
    }

    @Test("an unknown state and unknown fields decode; the state keeps its value through a round trip")
    func unknownState() throws {
        let entitlement = try Fixture.decode(Entitlement.self, "entitlement-unknown-state.json")
        #expect(entitlement.state == .unknown("ENTITLEMENT_HIBERNATING"))
        let again = try JSONDecoder().decode(Entitlement.self, from: JSONEncoder().encode(entitlement))
        #expect(again == entitlement)
    }

    @Test("an account decodes with its signup approval and free-form properties")
    func account() throws {
        let account = try Fixture.decode(Account.self, "account.json")
        #expect(account.id?.rawValue == "E-1234-5678-ABCD-EFGH")
        #expect(account.state == .active)
        #expect(account.signupApproval?.state == .pending)
        #expect(account.inputProperties?["seats"] == .number(12))
        #expect(account.inputProperties?["trial"] == .bool(false))
        #expect(account.resellerParentBillingAccount == "billingAccounts/0000AA-BBBBBB-CCCCCC")
    }

    @Test("list responses decode, and paging ends without a token")
    func lists() throws {
        let accounts = try Fixture.decode(ListAccountsResponse.self, "list-accounts.json")
        #expect(accounts.accounts?.count == 1)
        #expect(accounts.nextPageToken == "CAE")
        let entitlements = try Fixture.decode(ListEntitlementsResponse.self, "list-entitlements.json")
        #expect(entitlements.entitlements?.map(\.state) == [.active, .cancelled])
        #expect(entitlements.nextPageToken == nil)
    }

    @Test("request bodies encode as the discovery document names them")
    func requestBodies() throws {
        func json(_ value: some Encodable) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        #expect(try json(ApproveAccountRequest()) == #"{"approvalName":"signup"}"#)
        #expect(try json(RejectAccountRequest(reason: "no")) == #"{"approvalName":"signup","reason":"no"}"#)
        #expect(try json(ApproveEntitlementRequest()) == "{}")
        #expect(try json(ApproveEntitlementPlanChangeRequest(pendingPlanName: "p")) == #"{"pendingPlanName":"p"}"#)
        #expect(
            try json(RejectEntitlementPlanChangeRequest(pendingPlanName: "p", reason: "r"))
                == #"{"pendingPlanName":"p","reason":"r"}"#
        )
        #expect(try json(RejectEntitlementRequest(reason: "r")) == #"{"reason":"r"}"#)
        #expect(try json(SuspendEntitlementRequest(reason: "r")) == #"{"reason":"r"}"#)
        #expect(try json(ResetAccountRequest()) == "{}")
        #expect(try json(EmptyResponse()) == "{}")
    }

    @Test("a malformed timestamp in a resource is a decode error naming it")
    func malformedTimestamp() {
        let json = Data(#"{"name":"providers/p/entitlements/e","updateTime":"2024-13-01T00:00:00Z"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Entitlement.self, from: json) }
    }
}
