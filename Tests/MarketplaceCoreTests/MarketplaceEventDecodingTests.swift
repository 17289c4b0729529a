import Foundation
import MarketplaceCore
import Testing

@Suite struct MarketplaceEventDecodingTests {
    private func event(_ json: String) throws(MarketplaceEventError) -> MarketplaceEvent {
        try MarketplaceEvent(json: Data(json.utf8))
    }

    private func error(_ json: String) -> MarketplaceEventError? {
        do {
            _ = try event(json)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Tests

    @Test("every event example of the contract decodes", arguments: try Fixture.names(prefix: "event-"))
    func contractExamplesDecode(file: String) throws {
        let event = try MarketplaceEvent(json: try Fixture.data(file))
        #expect(!event.eventID.isEmpty)
        #expect(event.providerID?.rawValue == "DEMO-my-project")
    }

    @Test("an account message without eventType decodes by its account key (contract §1.2)")
    func accountWithoutType() throws {
        let event = try MarketplaceEvent(json: Fixture.data("event-account-without-type.json"))
        #expect(event.eventType == nil)
        #expect(
            event.subject
                == .account(
                    AccountNotice(
                        id: try AccountID("E-1234-5678-ABCD-EFGH"),
                        updateTime: Timestamp(seconds: 1_709_287_200, nanos: 123_456_000)
                    )
                )
        )
    }

    @Test("an unknown eventType and extra fields decode, keeping the unknown value")
    func unknownTypeKept() throws {
        let event = try MarketplaceEvent(json: Fixture.data("event-unknown-type-extra-fields.json"))
        #expect(event.eventType == .unknown("ENTITLEMENT_SOMETHING_NEW"))
        #expect(event.eventType?.rawValue == "ENTITLEMENT_SOMETHING_NEW")
        #expect(event.eventType?.isUnknown == true)
    }

    @Test("OFFER_ACCEPTED carries start and end times; an empty duration reads as absent")
    func offerAccepted() throws {
        let event = try MarketplaceEvent(json: Fixture.data("event-offer-accepted.json"))
        guard case .entitlement(let notice) = event.subject else {
            Issue.record("not an entitlement event")
            return
        }
        #expect(event.eventType == .entitlementOfferAccepted)
        #expect(notice.newOfferDuration == nil)
        #expect(notice.newOfferStartTime == (try Timestamp(rfc3339: "2022-01-01T00:00:00Z")))
        #expect(notice.newOfferEndTime == (try Timestamp(rfc3339: "2023-01-01T00:00:00Z")))
    }

    @Test("newPendingOfferDuration is read as newOfferDuration (contract §1.2: two renderings)")
    func pendingDurationAlias() throws {
        let event = try MarketplaceEvent(json: Fixture.data("event-offer-accepted-pending-duration.json"))
        guard case .entitlement(let notice) = event.subject else {
            Issue.record("not an entitlement event")
            return
        }
        #expect(notice.newOfferDuration == "P1Y")
        #expect(notice.newOfferEndTime == nil)
    }

    @Test("plan-change messages carry newPlan and the offer hints")
    func planChange() throws {
        let event = try MarketplaceEvent(json: Fixture.data("event-plan-change-requested.json"))
        guard case .entitlement(let notice) = event.subject else {
            Issue.record("not an entitlement event")
            return
        }
        #expect(notice.newPlan == "premium")
        #expect(notice.newOfferDuration == "P2Y")
        #expect(notice.newOffer?.hasSuffix("privateOffers/offer-2") == true)
    }

    @Test(
        "bad payloads are rejected with the reason",
        arguments: [
            ("not json", "malformed"),
            ("[1,2]", "malformed"),
            (#"{"eventType":"ACCOUNT_ACTIVE","account":{"id":"a"}}"#, "eventId"),
            (#"{"eventId":"","account":{"id":"a"}}"#, "eventId"),
            (#"{"eventId":"1","eventType":"ACCOUNT_ACTIVE"}"#, "neither"),
            (#"{"eventId":"1","account":{"id":"a"},"entitlement":{"id":"e"}}"#, "both"),
            (#"{"eventId":"1","account":{"id":"a/b"}}"#, "bad id"),
            (#"{"eventId":"1","account":{}}"#, "bad id"),
            (#"{"eventId":"1","entitlement":{"id":"e","updateTime":"yesterday"}}"#, "bad time"),
            (#"{"eventId":1,"account":{"id":"a"}}"#, "eventId"),
            (#"{"eventId":"1","providerId":"a b","account":{"id":"a"}}"#, "bad id"),
        ]
    )
    func badPayloads(json: String, reason: String) {
        let failure = error(json)
        #expect(failure != nil)
        #expect(failure.map { "\($0)".contains(reason) } == true, "\(failure.map { "\($0)" } ?? "accepted")")
    }
}
