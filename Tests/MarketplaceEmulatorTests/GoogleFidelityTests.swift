import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// What Google's front end does to every call: unknown fields refused, an
/// ErrorInfo on every error, `fields=` partial responses; and Pub/Sub keeping `orderingKey`.
@Suite(.paced) struct GoogleFidelityTests {
    struct ErrorEnvelope: Decodable {
        struct Body: Decodable {
            var message: String
            var details: [JSONValue]
        }
        var error: Body
    }

    static func error(_ reply: HTTPReply) throws -> ErrorEnvelope.Body {
        try JSONDecoder().decode(ErrorEnvelope.self, from: reply.body).error
    }

    @Test(
        "an unknown field, at the top or nested, is 400 'Unknown name' with a BadRequest naming where; known fields still pass"
    )
    func unknownFields() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            _ = try await running.http.send("PUT", "v1/projects/p1/topics/top")
            let top = try await running.http.send(
                "PUT",
                "v1/projects/p1/subscriptions/one",
                body: ["topic": "projects/p1/topics/top", "ackDeadline": "10"]
            )
            let topError = try Self.error(top)
            #expect(
                top.status == 400
                    && topError.message
                        == #"Invalid JSON payload received. Unknown name "ackDeadline": Cannot find field."#,
                "\(top)"
            )
            let body: [String: AnyEncodable] = [
                "topic": AnyEncodable("projects/p1/topics/top"),
                "pushConfig": AnyEncodable(["pushEndpiont": "https://x.example.com/"]),
            ]
            let nested = try await running.http.send("PUT", "v1/projects/p1/subscriptions/two", body: body)
            let nestedError = try Self.error(nested)
            #expect(nestedError.message.contains(#"Unknown name "pushEndpiont" at 'push_config'"#), "\(nested)")
            #expect(
                nested.text.contains("google.rpc.BadRequest") && nested.text.contains(#""field":"push_config""#),
                "\(nested)"
            )
            let known: [String: AnyEncodable] = [
                "topic": AnyEncodable("projects/p1/topics/top"), "labels": AnyEncodable(["team": "billing"]),
                "expirationPolicy": AnyEncodable(["ttl": "86400s"]), "retainAckedMessages": AnyEncodable(false),
            ]
            #expect(
                try await running.http.send("PUT", "v1/projects/p1/subscriptions/three", body: known).status == 200,
                "documented fields pass"
            )
            let purchase = try await running.buy()
            let reject = try await running.http.post(
                "v1/providers/\(running.provider)/entitlements/\(purchase.entitlementId):reject",
                ["reason": "x", "resaon": "typo"]
            )
            #expect(reject.status == 400 && reject.text.contains(#"Unknown name \"resaon\""#), "\(reject)")
        }
    }

    @Test("every error carries an ErrorInfo with reason, domain and the API's service")
    func errorInfo() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let missing = try await running.http.get("v1/providers/\(running.provider)/entitlements/none")
            let details = try Self.error(missing).details
            let info = details.first { $0.members["@type"] == "type.googleapis.com/google.rpc.ErrorInfo" }
            #expect(info?.members["reason"] == "NOT_FOUND" && info?.members["domain"] == "googleapis.com", "\(missing)")
            #expect(info?.members["metadata"]?.members["service"] == "cloudcommerceprocurement.googleapis.com")
            let pubsub = try await running.http.get("v1/projects/p1/topics/none")
            #expect(pubsub.text.contains(#""service":"pubsub.googleapis.com""#), "\(pubsub)")
        }
    }

    @Test("fields= keeps only the members selected, nested and in arrays; a selection that does not parse is 400")
    func partialResponses() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            _ = try await running.buy()
            _ = try await running.buy()
            let path = "v1/providers/\(running.provider)/entitlements"
            let partial = try await running.http.get(path + "?fields=entitlements(name,state)")
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(partial.text.utf8))
            guard case .array(let entitlements)? = object.members["entitlements"] else {
                Issue.record("no entitlements: \(partial)")
                return
            }
            #expect(
                entitlements.count == 2 && entitlements.allSatisfy { Set($0.members.keys) == ["name", "state"] },
                "\(partial)"
            )
            let slash = try await running.http.get(path + "?fields=entitlements/plan")
            #expect(slash.text.contains("plan") && !slash.text.contains("state"), "\(slash)")
            #expect(try await running.http.get(path + "?fields=entitlements(name").status == 400)
        }
    }

    @Test("orderingKey is kept from publish to pull")
    func orderingKey() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            _ = try await running.http.send("PUT", "v1/projects/p1/topics/top")
            _ = try await running.http.send(
                "PUT",
                "v1/projects/p1/subscriptions/sub",
                body: ["topic": "projects/p1/topics/top"]
            )
            let message: [String: String] = ["data": Data("x".utf8).base64EncodedString(), "orderingKey": "customer-1"]
            _ = try await running.http.post("v1/projects/p1/topics/top:publish", ["messages": [message]])
            let pulled = try await running.http.post("v1/projects/p1/subscriptions/sub:pull", ["maxMessages": 1])
            #expect(pulled.text.contains(#""orderingKey":"customer-1""#), "\(pulled)")
        }
    }
}
