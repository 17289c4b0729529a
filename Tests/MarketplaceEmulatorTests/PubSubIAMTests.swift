import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// IAM on subscriptions, as gcloud's `add-iam-policy-binding` and `entitle doctor` use it:
/// `GET …:getIamPolicy`, `POST …:setIamPolicy` with the etag read, `POST …:testIamPermissions`.
@Suite(.paced) struct PubSubIAMTests {
    private let subscription = "v1/projects/vendor/subscriptions/iam"

    struct Policy: Codable {
        struct Binding: Codable {
            var role: String
            var members: [String]
        }
        var version: Int?
        var etag: String?
        var bindings: [Binding]?
    }

    @Test(
        "a policy is read, set with its etag, read back; a stale etag is 409 ABORTED; permissions are granted on a subscription that exists, 404 on one that does not"
    )
    func policies() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            _ = try await running.http.send("PUT", "v1/projects/vendor/topics/own")
            _ = try await running.http.send("PUT", subscription, body: ["topic": "projects/vendor/topics/own"])
            let initial = try await running.http.get("\(subscription):getIamPolicy").decode(Policy.self)
            #expect(initial.bindings == nil && initial.etag != nil)
            var policy = initial
            policy.bindings = [
                Policy.Binding(
                    role: "roles/pubsub.subscriber",
                    members: ["serviceAccount:entitle@vendor.iam.gserviceaccount.com"]
                )
            ]
            let set = try await running.http.post("\(subscription):setIamPolicy", ["policy": policy])
            #expect(set.status == 200, "\(set)")
            let after = try await running.http.get("\(subscription):getIamPolicy").decode(Policy.self)
            #expect(after.bindings?.first?.role == "roles/pubsub.subscriber" && after.etag != initial.etag)
            let stale = try await running.http.post("\(subscription):setIamPolicy", ["policy": policy])
            #expect(stale.status == 409 && stale.text.contains("ABORTED"), "\(stale)")
            let permissions = ["pubsub.subscriptions.consume"]
            let granted = try await running.http.post(
                "\(subscription):testIamPermissions",
                ["permissions": permissions]
            )
            #expect(granted.text.contains("pubsub.subscriptions.consume"), "\(granted)")
            let missing = try await running.http.post(
                "v1/projects/vendor/subscriptions/absent:testIamPermissions",
                ["permissions": permissions]
            )
            #expect(missing.status == 404)
            #expect(
                try await running.http.get("\(subscription):pull").status == 404,
                "GET with another verb is no method"
            )
            let malformed = try await running.http.post("\(subscription):acknowledge", ["ackIds": ["not-an-ack-id"]])
            #expect(malformed.status == 400 && malformed.text.contains("invalid ack ID"), "\(malformed)")
            let unleased = try await running.http.post("\(subscription):acknowledge", ["ackIds": ["ack-999999-m"]])
            #expect(
                unleased.status == 200,
                "an ack id of the right form that is not leased is ignored, as Pub/Sub does: \(unleased)"
            )
            let nack = try await running.http.post(
                "\(subscription):modifyAckDeadline",
                ["ackIds": AnyEncodable(["x"]), "ackDeadlineSeconds": AnyEncodable(0)]
            )
            #expect(nack.status == 400)
        }
    }
}
