public import EntitleStore
import Foundation
public import MarketplaceCore

/// Every setting of `entitle serve`, from a JSON file (`--config`) and the environment
/// (`ENTITLE_*`, which wins). Each one's file key, environment variable, allowed values and
/// meaning are described once, in `SettingsCatalog`; the defaults here run sandbox mode on loopback.
public struct EntitleConfiguration: Codable, Hashable, Sendable {
    public var httpHost = "127.0.0.1"
    public var httpPort = 8080
    public var forwardedForHops = 0
    public var authFailureLimit = 20
    public var authFailureWindowSeconds = 300
    public var publicURL: String?
    public var storeURL = "entitle.sqlite"
    public var storeTimeoutSeconds = 5
    public var shutdownTimeoutSeconds = 10
    public var googleCredentials: String?
    public var googleBaseURL: String?
    public var providerID: String?
    public var subscription: String?
    public var delivery = "pull"
    public var pullWorkers = 4
    public var pushAudience: String?
    public var pushServiceAccount: String?
    public var signupAudiences: [String] = []
    public var appURL: String?
    public var loginURL: String?
    public var waitingMessage: String?
    public var callbackURL: String?
    public var callbackSecret: String?
    public var callbackSecretPrevious: String?
    public var adminToken: String?
    public var adminTokenPrevious: String?
    public var entitlementPolicy = EntitlementApprovalPolicy.afterSignup
    public var planChangePolicy = PlanChangePolicy.automatic
    public var productPolicies: [String: ApprovalPolicy] = [:]
    public var sandboxEmulatorPort = 8085
    public var resyncIntervalSeconds = 3600
    public var usageAPIKeys: [String: AppAccess] = [:]
    public var usageMetrics: [String: [String: [String]]] = [:]
    public var usageWindowSeconds = 3600
    public var usageReportIntervalSeconds = 3600
    public var usageMaxQuantity = UsageValidation.defaultMaxQuantity
    public var notificationRetrySeconds = 10
    public var deadLetterAfterAttempts = 15
    public var absenceConfirmationSeconds = 300
    public var httpHeaderTimeoutSeconds = 10
    public var httpBodyTimeoutSeconds = 30
    public var httpIdleTimeoutSeconds = 60
    public var signupSessionSeconds = 600
    public var signupLimitPerAddress = 30
    public var signupLimitPerAccount = 10
    public var inboxRetentionDays = 14
    public var auditRetentionDays = 400
    public var poisonRetentionDays = 90
    public var usageRecordRetentionDays = 90
    public var usageOperationRetentionDays = 400
    public var callbackRetentionDays = 90
    public var pruneIntervalSeconds = 3600
    public var callbackClaimSeconds = 30
    public var metricsEnabled = true
    public var metricsToken: String?
    public var metricsPublic = false
    public var signupApp: String?
    public var handoffSeconds = 300
    public var signupMode = "hosted"
    public var signupURL: String?
    public var signupTemplates: String?
    public var slackWebhookURL: String?
    public var agentProducts: [String] = []
    public var agentAudiences: [String] = []
    public var agentRegistrationPath = "/dcr"
    public var agentRegistrarURL: String?
    public var agentRegistrarToken: String?
    public var agentSecretKey: String?
    public var agentSecretKeyPrevious: String?
    public var consoleSessionSeconds = 28800
    public var consoleIAPAudience: String?
    public var consoleIAPEmails: [String] = []

    public init() {}

    /// Every key is optional in a file (its default stays); an unknown key is an error, so a
    /// misspelt setting is not silently ignored. Each key is read as `SettingsCatalog` says.
    public init(from decoder: any Decoder) throws {
        self.init()
        let file = try decoder.container(keyedBy: Setting.FileKey.self)
        let settings = Dictionary(SettingsCatalog.all.compactMap { setting in setting.key.map { ($0, setting) } }) {
            first,
            _ in
            first
        }
        let unknown = file.allKeys.map(\.stringValue).filter { settings[$0] == nil }
        guard unknown.isEmpty else {
            throw ConfigurationError(setting: unknown.sorted().joined(separator: ", "), problem: "unknown setting")
        }
        for key in file.allKeys.map(\.stringValue).sorted() {
            try settings[key]?.fromFile(&self, file)
        }
    }

    /// The file's settings (when given) overlaid with the environment's, checked (`validate`).
    /// - Throws: `ConfigurationError` naming the setting that is wrong and where it came from.
    public static func load(file: String?, environment: [String: String]) throws -> EntitleConfiguration {
        var configuration = EntitleConfiguration()
        var fileKeys: Set<String> = []
        if let file {
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                configuration = try JSONDecoder().decode(EntitleConfiguration.self, from: data)
                fileKeys = Set(try JSONDecoder().decode([String: JSONValue].self, from: data).keys)
            } catch let error as ConfigurationError {
                throw ConfigurationError(setting: "--config \(file): \(error.setting)", problem: error.problem)
            } catch {
                throw ConfigurationError(setting: "--config \(file)", problem: "\(error)")
            }
        }
        try configuration.apply(environment)
        try configuration.validate(Origins(file: file, fileKeys: fileKeys, environment: environment))
        return configuration
    }

    /// `publicURL`, or where Entitle listens (loopback for a wildcard host), without a trailing slash.
    public var resolvedPublicURL: String {
        if let publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        let host = ["0.0.0.0", "::", "[::]", ""].contains(httpHost) ? "127.0.0.1" : httpHost
        return "http://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(httpPort)"
    }

    /// The environment's settings over the file's: an empty value is no value.
    mutating func apply(_ environment: [String: String]) throws(ConfigurationError) {
        for setting in SettingsCatalog.all {
            guard let name = setting.environment, let text = environment[name], !text.isEmpty else { continue }
            try setting.fromEnvironment(&self, text)
        }
    }

    /// Whether Entitle listens on a loopback address only, where nobody else can reach it.
    public var listensOnLoopbackOnly: Bool {
        ["127.0.0.1", "::1", "[::1]", "localhost"].contains(httpHost.lowercased()) || httpHost.hasPrefix("127.")
    }

    /// The tokens that open the admin API and the console: the current one, and the one being
    /// retired while a rotation is under way.
    public var adminTokens: [String] { [adminToken, adminTokenPrevious].compactMap { $0 } }

    /// The app hand-off codes are for: `signupApp`, else the only app key's, else `default`'s;
    /// nil (no codes) when no such app has a key.
    public var handoffApp: String? {
        if let signupApp { return usageAPIKeys[signupApp] == nil ? nil : signupApp }
        if usageAPIKeys.count == 1 { return usageAPIKeys.keys.first }
        return usageAPIKeys["default"] == nil ? nil : "default"
    }

    /// The keys agent clients' credentials are sealed with: the current one first.
    public var agentSecretKeys: [String] { [agentSecretKey, agentSecretKeyPrevious].compactMap { $0 } }

    public var retention: RetentionPolicy {
        RetentionPolicy(
            inboxDays: inboxRetentionDays,
            auditDays: auditRetentionDays,
            poisonDays: poisonRetentionDays,
            usageRecordDays: usageRecordRetentionDays,
            usageOperationDays: usageOperationRetentionDays,
            callbackDays: callbackRetentionDays
        )
    }

    public var policies: ApprovalPolicies {
        ApprovalPolicies(
            default: ApprovalPolicy(entitlement: entitlementPolicy, planChange: planChangePolicy),
            products: productPolicies
        )
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var setting: String
    public var problem: String
    public var description: String { "configuration: \(setting): \(problem)" }
}
