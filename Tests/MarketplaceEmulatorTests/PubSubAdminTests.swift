import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Pub/Sub's list, delete and patch calls, as Pub/Sub answers them (the
/// differential script in Interop/pubsub compares them with Google's own emulator).
@Suite(.paced) struct PubSubAdminTests {
    struct TopicList: Decodable {
        struct Topic: Decodable { var name: String }
        var topics: [Topic]?
        var nextPageToken: String?
    }

    struct SubscriptionList: Decodable {
        var subscriptions: [SubscriptionJSONProbe]?
    }

    struct Names: Decodable {
        var subscriptions: [String]?
    }

    @Test(
        "topics.list pages in name order; topics.subscriptions.list names them; topics.delete leaves its subscriptions on _deleted-topic_"
    )
    func topics() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            for name in ["ccc", "aaa", "bbb"] {
                _ = try await running.http.send("PUT", "v1/projects/p1/topics/\(name)")
            }
            _ = try await running.http.send("PUT", "v1/projects/p2/topics/other")
            let first = try await running.http.get("v1/projects/p1/topics?pageSize=2").decode(TopicList.self)
            #expect(
                first.topics?.map(\.name) == ["projects/p1/topics/aaa", "projects/p1/topics/bbb"]
                    && first.nextPageToken != nil
            )
            let rest = try await running.http.get(
                "v1/projects/p1/topics?pageSize=2&pageToken=\(first.nextPageToken ?? "")"
            ).decode(TopicList.self)
            #expect(rest.topics?.map(\.name) == ["projects/p1/topics/ccc"] && rest.nextPageToken == nil)
            #expect(
                try await running.http.get("v1/projects/none/topics").text.trimmingCharacters(
                    in: .whitespacesAndNewlines
                ) == "{}"
            )
            #expect(try await running.http.get("v1/projects/p1/topics?pageToken=zz").status == 400)
            _ = try await running.http.send(
                "PUT",
                "v1/projects/p1/subscriptions/sub",
                body: ["topic": "projects/p1/topics/aaa"]
            )
            let names = try await running.http.get("v1/projects/p1/topics/aaa/subscriptions").decode(Names.self)
            #expect(names.subscriptions == ["projects/p1/subscriptions/sub"])
            #expect(try await running.http.send("DELETE", "v1/projects/p1/topics/aaa").status == 200)
            #expect(try await running.http.get("v1/projects/p1/topics/aaa").status == 404)
            #expect(try await running.http.send("DELETE", "v1/projects/p1/topics/aaa").status == 404)
            let orphan = try await running.http.get("v1/projects/p1/subscriptions/sub").decode(
                SubscriptionJSONProbe.self
            )
            #expect(orphan.topic == "_deleted-topic_")
        }
    }

    @Test(
        "subscriptions.list and get answer pushConfig {} for pull; patch changes only the fields its updateMask names, checked as creation is"
    )
    func subscriptions() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            _ = try await running.http.send("PUT", "v1/projects/p1/topics/top")
            _ = try await running.http.send(
                "PUT",
                "v1/projects/p1/subscriptions/sub",
                body: ["topic": "projects/p1/topics/top"]
            )
            let listed = try await running.http.get("v1/projects/p1/subscriptions")
            #expect(listed.text.contains(#""pushConfig":{}"#), "\(listed)")
            #expect(try listed.decode(SubscriptionList.self).subscriptions?.count == 1)
            let body: [String: AnyEncodable] = [
                "subscription": AnyEncodable([
                    "ackDeadlineSeconds": AnyEncodable(42), "labels": AnyEncodable(["team": "billing"]),
                ]),
                "updateMask": AnyEncodable("ackDeadlineSeconds"),
            ]
            let patched = try await running.http.send("PATCH", "v1/projects/p1/subscriptions/sub", body: body)
            let deadline = try patched.decode(SubscriptionJSONProbe.self).ackDeadlineSeconds
            #expect(patched.status == 200 && deadline == 42, "\(patched)")
            #expect(!patched.text.contains("billing"), "labels were not in the mask")
            for (mask, deadline) in [("", 42), ("topic", 42), ("ackDeadlineSeconds", 601)] {
                let refused = try await running.http.send(
                    "PATCH",
                    "v1/projects/p1/subscriptions/sub",
                    body: [
                        "subscription": AnyEncodable(["ackDeadlineSeconds": deadline]),
                        "updateMask": AnyEncodable(mask),
                    ]
                )
                #expect(
                    refused.status == 400 && refused.googleError?.status == "INVALID_ARGUMENT",
                    "\(mask): \(refused)"
                )
            }
            let noTopic = try await running.http.send(
                "PUT",
                "v1/projects/p1/subscriptions/none",
                body: ["ackDeadlineSeconds": 10]
            )
            #expect(noTopic.status == 400 && noTopic.googleError?.status == "INVALID_ARGUMENT", "\(noTopic)")
        }
    }
}
