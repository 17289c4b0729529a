import Entitle
import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

/// Settings from a file and the environment (README: "Settings of entitle serve").
@Suite struct EntitleConfigurationTests {
    private func file(_ json: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("entitle-config-\(UUID().uuidString).json").path
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("defaults run sandbox mode on loopback")
    func defaults() throws {
        let configuration = try EntitleConfiguration.load(file: nil, environment: [:])
        #expect(configuration.httpHost == "127.0.0.1" && configuration.httpPort == 8080 && configuration.storeURL == "entitle.sqlite")
        #expect(configuration.delivery == "pull" && configuration.entitlementPolicy == .afterSignup)
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
                "ENTITLE_PROVIDER_ID": "DEMO-env", "ENTITLE_SIGNUP_AUDIENCES": "x.example.com, y.example.com", "ENTITLE_PLAN_CHANGE_POLICY": "manual",
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
            ("{}", ["ENTITLE_CALLBACK_URL": "https://app.example.com/hooks"], "ENTITLE_CALLBACK_SECRET"),
        ]
    )
    func refused(json: String, environment: [String: String], setting: String) throws {
        let path = try file(json)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var message = ""
        do { _ = try EntitleConfiguration.load(file: path, environment: environment) } catch { message = "\(error)" }
        #expect(message.contains(setting), "\(message)")
    }
}
