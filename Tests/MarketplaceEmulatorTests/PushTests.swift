import EntitleTestSupport
import Foundation
import JWTKit
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Push subscriptions (contract §6): the emulator POSTs each message to the endpoint with an OIDC
/// token from Google's issuer, and retries with backoff until the endpoint acks.
@Suite(.paced) struct PushTests {
    private let subscription = "projects/vendor/subscriptions/marketplace-push"

    struct Envelope: Decodable {
        struct Message: Decodable {
            var data: String
            var messageId: String
            var message_id: String
            var publishTime: String
            var attributes: [String: String]?
        }
        var message: Message
        var subscription: String
        var deliveryAttempt: Int?
    }

    struct OIDCClaims: JWTPayload {
        var iss: String
        var aud: String
        var email: String
        var email_verified: Bool
        var sub: String
        var azp: String
        var iat: Int
        var exp: Int
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    private func createPushSubscription(
        _ running: RunningEmulator,
        topic: String? = nil,
        endpoint: URL,
        oidc: [String: String]? = nil,
        extra: [String: AnyEncodable] = [:]
    ) async throws {
        var push: [String: AnyEncodable] = ["pushEndpoint": AnyEncodable(endpoint.absoluteString)]
        if let oidc { push["oidcToken"] = AnyEncodable(oidc) }
        var body: [String: AnyEncodable] = [
            "topic": AnyEncodable(topic ?? running.emulator.options.topic), "pushConfig": AnyEncodable(push),
        ]
        body.merge(extra) { $1 }
        let reply = try await running.http.send("PUT", "v1/\(subscription)", body: body)
        #expect(reply.status == 200, "\(reply)")
    }

    /// Google's OIDC certificates as google-auth reads them: `{kid: PEM}` from `/oauth2/v1/certs`.
    private func oidcKeys(_ running: RunningEmulator) async throws -> JWTKeyCollection {
        let map = try await running.http.anonymous.get("oauth2/v1/certs").decode([String: String].self)
        let keys = JWTKeyCollection()
        for (kid, pem) in map {
            await keys.add(
                rsa: try Insecure.RSA.PublicKey(certificatePEM: pem),
                digestAlgorithm: .sha256,
                kid: JWKIdentifier(string: kid)
            )
        }
        return keys
    }

    // MARK: Tests

    @Test(
        "a purchase is pushed as Google's wrapped envelope with an OIDC token that verifies against Google's certificates"
    )
    func pushWithOIDC() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let receiver = HTTPReceiver()
            try await receiver.serve { endpoint in
                let oidc = [
                    "serviceAccountEmail": "push@vendor.iam.gserviceaccount.com",
                    "audience": "https://vendor.example.com/pubsub",
                ]
                try await createPushSubscription(running, endpoint: endpoint, oidc: oidc)
                let purchase = try await running.buy()
                let requests = try await receiver.waitFor(2)
                #expect(requests.count == 2)
                let keys = try await oidcKeys(running)
                var entitlements: Set<String> = []
                for request in requests {
                    #expect(request.headers["content-type"] == "application/json")
                    let bearer = try #require(
                        request.headers["authorization"]?.split(separator: " ").last.map(String.init)
                    )
                    let claims = try await keys.verify(bearer, as: OIDCClaims.self)
                    #expect(
                        claims.iss == "https://accounts.google.com" && claims.aud == "https://vendor.example.com/pubsub"
                    )
                    #expect(claims.email == "push@vendor.iam.gserviceaccount.com" && claims.email_verified)
                    #expect(claims.sub == claims.azp && !claims.sub.isEmpty && claims.exp - claims.iat == 3600)
                    #expect(abs(claims.iat - Int(Date().timeIntervalSince1970)) < 60, "stamped with real time")
                    let envelope = try JSONDecoder().decode(Envelope.self, from: request.body)
                    #expect(
                        envelope.subscription == subscription
                            && envelope.message.messageId == envelope.message.message_id
                    )
                    #expect(envelope.deliveryAttempt == nil, "only with a dead-letter policy")
                    let event = try MarketplaceEvent(json: try #require(Data(base64Encoded: envelope.message.data)))
                    if case .entitlement(let notice) = event.subject { entitlements.insert(notice.id.rawValue) }
                }
                #expect(entitlements == [purchase.entitlementId])
                // Acked by the 204: nothing comes again, even after the ack deadline.
                try await running.advance("PT1H")
                try await Task.sleep(for: .milliseconds(300))
                #expect(await receiver.requests.count == 2)
            }
        }
    }

    @Test(
        "a failing endpoint gets the message again after growing backoffs, deliveryAttempt counting up, until it acks"
    )
    func retriesWithBackoff() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let receiver = HTTPReceiver(statuses: [500, 503, 404, 200])
            try await receiver.serve { endpoint in
                _ = try await running.http.send("PUT", "v1/projects/vendor/topics/own")
                let extra: [String: AnyEncodable] = [
                    "retryPolicy": AnyEncodable(["minimumBackoff": "0.2s", "maximumBackoff": "5s"]),
                    "deadLetterPolicy": AnyEncodable([
                        "deadLetterTopic": AnyEncodable("projects/vendor/topics/dead"),
                        "maxDeliveryAttempts": AnyEncodable(5),
                    ]),
                ]
                try await createPushSubscription(
                    running,
                    topic: "projects/vendor/topics/own",
                    endpoint: endpoint,
                    extra: extra
                )
                let published = try await running.http.post(
                    "v1/projects/vendor/topics/own:publish",
                    ["messages": [["data": Data("hello".utf8).base64EncodedString()]]]
                )
                #expect(published.status == 200, "\(published)")
                let requests = try await receiver.waitFor(4)
                #expect(requests.count == 4)
                let envelopes = try requests.map { try JSONDecoder().decode(Envelope.self, from: $0.body) }
                #expect(Set(envelopes.map(\.message.messageId)).count == 1)
                #expect(envelopes.map(\.deliveryAttempt) == [1, 2, 3, 4])
                #expect(requests.allSatisfy { $0.headers["authorization"] == nil }, "no oidcToken, no token")
                // Backoff 0.2 s, 0.4 s, 0.8 s: each gap at least what the policy says.
                for (index, pair) in zip(requests, requests.dropFirst()).enumerated() {
                    let gap = pair.1.at - pair.0.at
                    #expect(gap >= .milliseconds(200 << index), "gap \(index): \(gap)")
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(await receiver.requests.count == 4, "the 200 acked it")
            }
        }
    }

    @Test(
        "without an audience the token's aud is the endpoint; modifyPushConfig with no endpoint turns the subscription into pull"
    )
    func audienceDefaultAndBackToPull() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let receiver = HTTPReceiver()
            try await receiver.serve { endpoint in
                try await createPushSubscription(
                    running,
                    endpoint: endpoint,
                    oidc: ["serviceAccountEmail": "push@vendor.iam.gserviceaccount.com"]
                )
                _ = try await running.buy()
                let requests = try await receiver.waitFor(2)
                let bearer = try #require(
                    requests.first?.headers["authorization"]?.split(separator: " ").last.map(String.init)
                )
                let claims = try await oidcKeys(running).verify(bearer, as: OIDCClaims.self)
                #expect(claims.aud == endpoint.absoluteString)
                let modified = try await running.http.post(
                    "v1/\(subscription):modifyPushConfig",
                    ["pushConfig": [String: String]()]
                )
                #expect(modified.status == 200, "\(modified)")
                let config = try await running.http.get("v1/\(subscription)").decode(SubscriptionJSONProbe.self)
                #expect(config.pushConfig?.pushEndpoint == nil)
                _ = try await running.buy()
                let pulled = try await running.http.post(
                    "v1/\(subscription):pull",
                    ["maxMessages": AnyEncodable(10), "returnImmediately": AnyEncodable(true)]
                )
                #expect(try pulled.decode(PullReply.self).receivedMessages?.count == 2)
                #expect(await receiver.requests.count == 2)
            }
        }
    }

    @Test(
        "a push endpoint that is not an http(s) URL is refused",
        arguments: ["ftp://example.com/push", "not a url", "https://"]
    )
    func badEndpoint(endpoint: String) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let body: [String: AnyEncodable] = [
                "topic": AnyEncodable(running.emulator.options.topic),
                "pushConfig": AnyEncodable(["pushEndpoint": endpoint]),
            ]
            let reply = try await running.http.send("PUT", "v1/\(subscription)", body: body)
            #expect(reply.status == 400 && reply.googleError?.status == "INVALID_ARGUMENT", "\(reply)")
        }
    }

    @Test("the OIDC key is also published as a JWK set")
    func jwks() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            struct Set: Decodable {
                struct Key: Decodable {
                    var kty: String
                    var kid: String
                    var n: String
                    var e: String
                }
                var keys: [Key]
            }
            let set = try await running.http.anonymous.get("oauth2/v3/certs").decode(Set.self)
            let pems = try await running.http.anonymous.get("oauth2/v1/certs").decode([String: String].self)
            #expect(set.keys.count == 1 && set.keys[0].kty == "RSA" && pems[set.keys[0].kid] != nil)
            let fromJWK = try Insecure.RSA.PublicKey(modulus: set.keys[0].n, exponent: set.keys[0].e)
            let fromPEM = try Insecure.RSA.PublicKey(certificatePEM: try #require(pems[set.keys[0].kid]))
            #expect(fromJWK == fromPEM)
        }
    }
}
