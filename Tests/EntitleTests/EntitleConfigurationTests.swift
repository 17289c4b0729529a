import Entitle
import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

/// Settings from a file and the environment (README: "Settings of entitle serve").
@Suite(.paced) struct EntitleConfigurationTests {
    private func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "entitle-config-\(UUID().uuidString).json"
        ).path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("defaults run sandbox mode on loopback")
    func defaults() throws {
        let configuration = try EntitleConfiguration.load(file: nil, environment: [:])
        #expect(
            configuration.httpHost == "127.0.0.1" && configuration.httpPort == 8080
                && configuration.storeURL == "entitle.sqlite"
        )
        #expect(configuration.delivery == "pull" && configuration.entitlementPolicy == .afterSignup)
    }

    @Test("Cloud Run's PORT is where Entitle listens unless ENTITLE_HTTP_PORT says otherwise")
    func platformPort() throws {
        #expect(try EntitleConfiguration.load(file: nil, environment: ["PORT": "9090"]).httpPort == 9090)
        let both = ["PORT": "9090", "ENTITLE_HTTP_PORT": "9191"]
        #expect(try EntitleConfiguration.load(file: nil, environment: both).httpPort == 9191)
        #expect(throws: ConfigurationError.self) {
            try EntitleConfiguration.load(file: nil, environment: ["PORT": "eighty"])
        }
    }

    @Test("a configuration built in code is checked as a loaded one is: ranges, choices and the rules between settings")
    func builtInCode() throws {
        var claims = EntitleConfiguration()
        claims.callbackClaimSeconds = 5
        #expect(throws: ConfigurationError.self) { try claims.validate() }
        var delivery = EntitleConfiguration()
        delivery.delivery = "carrier-pigeon"
        #expect(throws: ConfigurationError.self) { try delivery.validate() }
        var audit = EntitleConfiguration()
        audit.auditRetentionDays = 9
        #expect(throws: ConfigurationError.self) { try audit.validate() }
        try EntitleConfiguration().validate()
    }

    @Test("the file sets what it names, the environment wins over it")
    func layering() throws {
        let path = try file(
            #"{"httpPort": 9000, "providerID": "DEMO-file", "signupAudiences": ["a.example.com"], "productPolicies": {"svc": {"entitlement": "manual", "planChange": "manual"}}}"#
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try EntitleConfiguration.load(
            file: path,
            environment: [
                "ENTITLE_PROVIDER_ID": "DEMO-env", "ENTITLE_SIGNUP_AUDIENCES": "x.example.com, y.example.com",
                "ENTITLE_PLAN_CHANGE_POLICY": "manual",
            ]
        )
        #expect(configuration.httpPort == 9000 && configuration.providerID == "DEMO-env")
        #expect(configuration.signupAudiences == ["x.example.com", "y.example.com"])
        #expect(configuration.policies.policy(for: Entitlement(productExternalName: "svc")).entitlement == .manual)
        #expect(
            configuration.policies.policy(for: Entitlement(productExternalName: "other"))
                == ApprovalPolicy(entitlement: .afterSignup, planChange: .manual)
        )
    }

    @Test(
        "a wrong setting is refused, naming it",
        arguments: [
            ("{\"htppPort\": 1}", [String: String](), "htppPort"),
            ("{}", ["ENTITLE_HTTP_PORT": "eighty"], "ENTITLE_HTTP_PORT"),
            ("{}", ["ENTITLE_ENTITLEMENT_POLICY": "sometimes"], "ENTITLE_ENTITLEMENT_POLICY"),
            ("{}", ["ENTITLE_DELIVERY": "carrier-pigeon"], "delivery"),
            ("{}", ["ENTITLE_CALLBACK_URL": "https://app.example.com/hooks"], "callbackSecret"),
            // An empty secret is no secret (and no longer an accepted one).
            (#"{"callbackURL": "https://app.example.com/hooks", "callbackSecret": ""}"#, [:], "callbackSecret"),
            (
                #"{"callbackURL": "https://app.example.com/hooks"}"#, ["ENTITLE_CALLBACK_SECRET": "short"],
                "callbackSecret (environment ENTITLE_CALLBACK_SECRET)"
            ),
            (#"{"adminToken": "letmein"}"#, [:], "adminToken (file "),
            ("{}", ["ENTITLE_ADMIN_TOKEN": "          x     "], "adminToken (environment ENTITLE_ADMIN_TOKEN)"),
            (#"{"usageAPIKeys": {"app": "abc"}}"#, [:], "usageAPIKeys.app"),
            (
                #"{"callbackURL": "hooks at app.example.com", "callbackSecret": "0123456789abcdef0123"}"#, [:],
                "callbackURL (file "
            ),
            (
                "{}",
                [
                    "ENTITLE_CALLBACK_URL": "ftp://files.example.com/x",
                    "ENTITLE_CALLBACK_SECRET": "0123456789abcdef0123",
                ], "callbackURL"
            ),
            (
                "{}", ["ENTITLE_SUBSCRIPTION": "projects/p/subscriptions/t1"],
                "subscription (environment ENTITLE_SUBSCRIPTION)"
            ),
            ("{}", ["ENTITLE_SUBSCRIPTION": "projects/p/subscriptions/goog-sub"], "not starting with goog"),
            ("{}", ["ENTITLE_SUBSCRIPTION": "entitle-sub"], "projects/{project}/subscriptions/{subscription}"),
            ("{}", ["ENTITLE_PUBLIC_URL": "entitle.example.com"], "publicURL"),
            ("{}", ["ENTITLE_DEAD_LETTER_AFTER_ATTEMPTS": "0"], "deadLetterAfterAttempts"),
            ("{}", ["ENTITLE_NOTIFICATION_RETRY_SECONDS": "3600"], "notificationRetrySeconds"),
            ("{}", ["ENTITLE_USAGE_MAX_QUANTITY": "0"], "usageMaxQuantity"),
            ("{}", ["ENTITLE_AGENT_PRODUCTS": "agent.example.com"], "agentAudiences"),
            (
                #"{"agentProducts": ["agent.example.com"], "agentAudiences": ["https://agent.example.com"]}"#,
                ["ENTITLE_AGENT_SECRET_KEY": "0123456789abcdef0123"], "agentSecretKey (environment"
            ),
            (
                #"{"agentProducts": ["a"], "agentAudiences": ["https://agent.example.com"]}"#,
                ["ENTITLE_AGENT_SECRET_KEY": "9f2c41d87be05a3e6c1f48d2a7b95e30c6d81f4a"], "agentRegistrarURL"
            ),
            (
                "{}", ["ENTITLE_AGENT_SECRET_KEY_PREVIOUS": "9f2c41d87be05a3e6c1f48d2a7b95e30c6d81f4a"],
                "agentSecretKeyPrevious"
            ),
            (
                #"{"agentProducts": ["a"], "agentAudiences": ["https://x.com"], "agentRegistrationPath": "dcr"}"#,
                [
                    "ENTITLE_AGENT_SECRET_KEY": "9f2c41d87be05a3e6c1f48d2a7b95e30c6d81f4a",
                    "ENTITLE_AGENT_REGISTRAR_URL": "https://idp.example.com/register",
                ], "agentRegistrationPath (file"
            ),
        ]
    )
    func refused(json: String, environment: [String: String], setting: String) throws {
        let path = try file(json)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var message = ""
        do { _ = try EntitleConfiguration.load(file: path, environment: environment) } catch { message = "\(error)" }
        #expect(message.contains(setting), "\(message)")
    }

    @Test("empty strings in the file are no setting, as in the environment; good secrets and names pass")
    func emptyIsAbsent() throws {
        let path = try file(
            #"{"callbackURL": "", "adminToken": "", "subscription": "", "providerID": "", "appURL": "", "callbackSecret": "", "publicURL": ""}"#
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try EntitleConfiguration.load(file: path, environment: [:])
        #expect(
            configuration.callbackURL == nil && configuration.adminToken == nil && configuration.subscription == nil
        )
        #expect(
            configuration.providerID == nil && configuration.callbackSecret == nil && configuration.publicURL == nil
        )
        let good = try EntitleConfiguration.load(
            file: nil,
            environment: [
                "ENTITLE_CALLBACK_URL": "https://app.example.com/hooks",
                "ENTITLE_CALLBACK_SECRET": "whsec_0123456789abcdef",
                "ENTITLE_ADMIN_TOKEN": UUID().uuidString,
                "ENTITLE_SUBSCRIPTION": "projects/my-project/subscriptions/entitle.events-1",
            ]
        )
        #expect(good.subscription == "projects/my-project/subscriptions/entitle.events-1")
    }

    @Test("publicURL follows httpHost and httpPort unless it is set")
    func publicURL() throws {
        #expect(
            try EntitleConfiguration.load(file: nil, environment: ["ENTITLE_HTTP_PORT": "9090"]).resolvedPublicURL
                == "http://127.0.0.1:9090"
        )
        let wildcard = try EntitleConfiguration.load(
            file: nil,
            environment: ["ENTITLE_HTTP_HOST": "0.0.0.0", "ENTITLE_HTTP_PORT": "80"]
        )
        #expect(wildcard.resolvedPublicURL == "http://127.0.0.1:80", "a wildcard host is reached on loopback")
        let set = try EntitleConfiguration.load(
            file: nil,
            environment: ["ENTITLE_PUBLIC_URL": "https://entitle.example.com/", "ENTITLE_HTTP_PORT": "9090"]
        )
        #expect(set.resolvedPublicURL == "https://entitle.example.com")
    }
}
