import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `PushTokenVerifier` on the OIDC tokens the emulator puts on push requests (contract §6).
@Suite(.paced) struct PushTokenVerifierTests {
    @Test("the push token verifies for the configured audience and service account, and is refused for others")
    func pushToken() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let receiver = HTTPReceiver()
            try await receiver.serve { endpoint in
                let pubsub = PubSubClient(baseURL: running.baseURL, transport: clients.transport)
                let email = "push@vendor.iam.gserviceaccount.com"
                let config = PubSubSubscription.PushConfig(
                    pushEndpoint: endpoint.absoluteString,
                    oidcToken: .init(serviceAccountEmail: email, audience: "https://vendor.example.com/pubsub/push")
                )
                try await pubsub.createSubscription(
                    "projects/vendor/subscriptions/push",
                    PubSubSubscription(topic: running.emulator.options.topic, pushConfig: config)
                )
                _ = try await clients.buy()
                let request = try #require(try await receiver.waitFor(1).first)
                let bearer = String(try #require(request.headers["authorization"]).dropFirst("Bearer ".count))
                let certificates = GoogleCertificateCache(
                    url: GoogleEndpoints.emulator(at: running.baseURL).oidcCertificates
                )

                let verifier = PushTokenVerifier(
                    audience: "https://vendor.example.com/pubsub/push",
                    serviceAccountEmail: email,
                    certificates: certificates
                )
                let claims = try await verifier.verify(bearer)
                #expect(claims.email == email && claims.subject?.isEmpty == false)

                let otherAudience = PushTokenVerifier(
                    audience: "https://other.example.com/push",
                    serviceAccountEmail: email,
                    certificates: certificates
                )
                let audienceError = await #expect(throws: TokenVerificationError.self) {
                    try await otherAudience.verify(bearer)
                }
                #expect(audienceError == .wrongAudience(["https://vendor.example.com/pubsub/push"]))

                let otherAccount = PushTokenVerifier(
                    audience: "https://vendor.example.com/pubsub/push",
                    serviceAccountEmail: "someone@else.iam.gserviceaccount.com",
                    certificates: certificates
                )
                let emailError = await #expect(throws: TokenVerificationError.self) {
                    try await otherAccount.verify(bearer)
                }
                #expect(emailError == .unverifiedEmail(email))

                let signupKeys = GoogleCertificateCache(
                    url: GoogleEndpoints.emulator(at: running.baseURL).signupCertificates
                )
                let wrongKeys = PushTokenVerifier(
                    audience: "https://vendor.example.com/pubsub/push",
                    serviceAccountEmail: email,
                    certificates: signupKeys
                )
                let keyError = await #expect(throws: TokenVerificationError.self) { try await wrongKeys.verify(bearer) }
                guard case .unknownKey = keyError else {
                    Issue.record("\(String(describing: keyError))")
                    return
                }
            }
        }
    }
}
