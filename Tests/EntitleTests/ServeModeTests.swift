import Entitle
import EntitleTestSupport
import GoogleCloud
import MarketplaceCore
import Testing

/// The choice between production and the sandbox, in-process (`ServeStartupTests` runs the same
/// through the binary): credentials mean production; no credentials and nothing of production
/// configured mean the sandbox; production settings without credentials are an error.
@Suite(.paced) struct ServeModeTests {
    static let tried = ["the googleCredentials setting: not set", "the metadata server: no answer"]

    @Test("nothing configured and no credentials: the sandbox")
    func sandboxByDefault() throws {
        #expect(
            try ServeMode.decide(
                EntitleConfiguration(),
                sandboxAsked: false,
                credentialsFound: false,
                tried: Self.tried
            ) == .sandbox
        )
    }

    @Test("credentials found: production, whatever else is configured")
    func production() throws {
        #expect(
            try ServeMode.decide(EntitleConfiguration(), sandboxAsked: false, credentialsFound: true, tried: [])
                == .production
        )
    }

    @Test("production settings without credentials: an error naming the settings and every place looked in")
    func missingCredentials() throws {
        var configuration = EntitleConfiguration()
        configuration.providerID = "DEMO-vendor"
        configuration.pushServiceAccount = "push@vendor.iam.gserviceaccount.com"
        do {
            _ = try ServeMode.decide(configuration, sandboxAsked: false, credentialsFound: false, tried: Self.tried)
            Issue.record("a sandbox was started over production settings")
        } catch {
            #expect(error.settings == ["providerID", "pushServiceAccount"] && error.tried == Self.tried)
            #expect(
                error.description.contains("the metadata server: no answer") && error.description.contains("--sandbox")
            )
        }
    }

    @Test("--sandbox: the sandbox even over production settings")
    func sandboxAsked() throws {
        var configuration = EntitleConfiguration()
        configuration.providerID = "DEMO-vendor"
        #expect(try ServeMode.decide(configuration, sandboxAsked: true, credentialsFound: true, tried: []) == .sandbox)
    }

    @Test("production needs a provider, a subscription for pull, and the sign-up audiences")
    func productionNeeds() throws {
        var configuration = EntitleConfiguration()
        let none = NoTokenProvider()
        #expect(throws: ConfigurationError.self) {
            try EntitleServer.Google.production(configuration, endpoints: .google, credentials: none)
        }
        configuration.providerID = "DEMO-vendor"
        #expect(throws: ConfigurationError.self) {
            try EntitleServer.Google.production(configuration, endpoints: .google, credentials: none)
        }
        configuration.subscription = "projects/vendor/subscriptions/entitle"
        #expect(throws: ConfigurationError.self) {
            try EntitleServer.Google.production(configuration, endpoints: .google, credentials: none)
        }
        configuration.signupAudiences = ["product.vendor.example.com"]
        let google = try EntitleServer.Google.production(configuration, endpoints: .google, credentials: none)
        #expect(
            google.provider.rawValue == "DEMO-vendor" && google.subscription == "projects/vendor/subscriptions/entitle"
        )
    }
}
