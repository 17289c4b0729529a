public import EntitleStore
import Foundation
public import MarketplaceCore

/// Every setting of `entitle serve`, from a JSON file (`--config`) and the environment
/// (`ENTITLE_*`, which wins). README.md has the table; the defaults run sandbox mode on loopback.
public struct EntitleConfiguration: Codable, Hashable, Sendable {
    public var httpHost = "127.0.0.1"
    public var httpPort = 8080
    /// How buyers and Google reach Entitle; sign-up redirects and the push audience derive from it.
    /// Unset: `http://{httpHost}:{httpPort}` (see `resolvedPublicURL`).
    public var publicURL: String?
    /// An SQLite path (default `entitle.sqlite`) or, later, `postgres://…`.
    public var storeURL = "entitle.sqlite"
    /// A service-account key file; unset: Application Default Credentials; none found: sandbox mode.
    public var googleCredentials: String?
    /// All Google APIs at this base URL (an emulator run separately); unset: Google's.
    public var googleBaseURL: String?
    public var providerID: String?
    /// `projects/{p}/subscriptions/{s}` of the Marketplace topic.
    public var subscription: String?
    /// `pull` (default) or `push`.
    public var delivery = "pull"
    public var pullWorkers = 4
    public var pushAudience: String?
    public var pushServiceAccount: String?
    /// The product domains sign-up tokens are issued for (their `aud`).
    public var signupAudiences: [String] = []
    /// Where a signed-up buyer is sent; default `{publicURL}/signup/done`.
    public var appURL: String?
    public var callbackURL: String?
    public var callbackSecret: String?
    /// Bearer token of `/api/admin`; sandbox mode makes one when unset.
    public var adminToken: String?
    public var entitlementPolicy = EntitlementApprovalPolicy.afterSignup
    public var planChangePolicy = PlanChangePolicy.automatic
    /// Per product (its `productExternalName`), from the file only.
    public var productPolicies: [String: ApprovalPolicy] = [:]
    public var sandboxEmulatorPort = 8085
    /// Seconds between resync passes; 0 turns resync off.
    public var resyncIntervalSeconds = 3600
    /// App name → API key of `POST /v1/usage`; without any, the usage API is off.
    public var usageAPIKeys: [String: String] = [:]
    /// Product id → plan id → metric ids (as in Producer Portal), from the file only.
    public var usageMetrics: [String: [String: [String]]] = [:]
    /// The length of a usage window (Google expects hourly reports; shorter is for tests).
    public var usageWindowSeconds = 3600
    /// Seconds between usage reporting passes; 0 turns reporting off.
    public var usageReportIntervalSeconds = 3600
    /// The largest quantity one usage record may carry (larger ones are refused with 422).
    public var usageMaxQuantity = UsageValidation.defaultMaxQuantity
    /// A notification that keeps failing is handed back after this many seconds, doubling (to 600).
    public var notificationRetrySeconds = 10
    /// After this many failed attempts a notification is dead-lettered: kept, acked, replayable.
    public var deadLetterAfterAttempts = 15
    /// How long Google must keep answering 404 for an entitlement in service before it is believed gone.
    public var absenceConfirmationSeconds = 300
    /// A request's head must arrive within this many seconds of the connection opening.
    public var httpHeaderTimeoutSeconds = 10
    /// A request's body must arrive within this many seconds of its head.
    public var httpBodyTimeoutSeconds = 30
    /// An idle keep-alive connection is closed after this many seconds.
    public var httpIdleTimeoutSeconds = 60
    /// How long a buyer has to fill in the sign-up form; expired sessions are removed.
    public var signupSessionSeconds = 3600
    /// Days each kind of row is kept (`RetentionPolicy`).
    public var inboxRetentionDays = 14
    public var auditRetentionDays = 400
    public var poisonRetentionDays = 90
    public var usageRecordRetentionDays = 90
    public var callbackRetentionDays = 90
    /// Seconds between pruning passes; 0 turns pruning off.
    public var pruneIntervalSeconds = 3600
    /// How long a replica's claim on a callback lasts (another takes over after it when it dies).
    public var callbackClaimSeconds = 30
    /// `GET /metrics` (Prometheus); false records nothing.
    public var metricsEnabled = true
    /// When set, a scrape of `/metrics` must carry `Authorization: Bearer <token>`.
    public var metricsToken: String?
    /// The app (a `usageAPIKeys` name) that sign-up hand-off codes are for; unset: the only key's
    /// app, or `default`.
    public var signupApp: String?
    /// How long a hand-off code can be redeemed.
    public var handoffSeconds = 300
    /// `hosted` (Entitle's sign-up form) or `redirect` (the vendor's page at `signupURL`).
    public var signupMode = "hosted"
    /// Redirect mode: the vendor's sign-up page, sent the buyer with `?code=`.
    public var signupURL: String?
    /// A folder of `layout.mustache`, `signup.mustache`, `problem.mustache` replacing the hosted pages.
    public var signupTemplates: String?
    /// A Slack incoming webhook told what waits on a person (a secret: never logged).
    public var slackWebhookURL: String?
    /// How long an admin console sign-in lasts.
    public var consoleSessionSeconds = 28800
    /// Behind Identity-Aware Proxy: the console trusts IAP's signed header for this audience
    /// (`/projects/NUMBER/global/backendServices/ID` or `/projects/NUMBER/apps/PROJECT`) instead of
    /// the admin token sign-in.
    public var consoleIAPAudience: String?
    /// The IAP-verified emails allowed into the console.
    public var consoleIAPEmails: [String] = []

    public init() {}

    /// Every key is optional in a file (its default stays); an unknown key is an error, so a
    /// misspelt setting is not silently ignored.
    public init(from decoder: any Decoder) throws {
        self.init()
        let keys = try decoder.singleValueContainer().decode([String: JSONValue].self).keys
        let unknown = keys.filter { CodingKeys(stringValue: $0) == nil }
        guard unknown.isEmpty else {
            throw ConfigurationError(setting: unknown.sorted().joined(separator: ", "), problem: "unknown setting")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // An empty string in the file is no setting, as it is in the environment.
        func text(_ key: CodingKeys) throws -> String? { try c.decodeIfPresent(String.self, forKey: key).flatMap { $0.isEmpty ? nil : $0 } }
        httpHost = try text(.httpHost) ?? httpHost
        httpPort = try c.decodeIfPresent(Int.self, forKey: .httpPort) ?? httpPort
        publicURL = try text(.publicURL)
        storeURL = try text(.storeURL) ?? storeURL
        googleCredentials = try text(.googleCredentials)
        googleBaseURL = try text(.googleBaseURL)
        providerID = try text(.providerID)
        subscription = try text(.subscription)
        delivery = try text(.delivery) ?? delivery
        pullWorkers = try c.decodeIfPresent(Int.self, forKey: .pullWorkers) ?? pullWorkers
        pushAudience = try text(.pushAudience)
        pushServiceAccount = try text(.pushServiceAccount)
        signupAudiences = try c.decodeIfPresent([String].self, forKey: .signupAudiences) ?? signupAudiences
        appURL = try text(.appURL)
        callbackURL = try text(.callbackURL)
        callbackSecret = try text(.callbackSecret)
        adminToken = try text(.adminToken)
        entitlementPolicy = try c.decodeIfPresent(EntitlementApprovalPolicy.self, forKey: .entitlementPolicy) ?? entitlementPolicy
        planChangePolicy = try c.decodeIfPresent(PlanChangePolicy.self, forKey: .planChangePolicy) ?? planChangePolicy
        productPolicies = try c.decodeIfPresent([String: ApprovalPolicy].self, forKey: .productPolicies) ?? productPolicies
        sandboxEmulatorPort = try c.decodeIfPresent(Int.self, forKey: .sandboxEmulatorPort) ?? sandboxEmulatorPort
        resyncIntervalSeconds = try c.decodeIfPresent(Int.self, forKey: .resyncIntervalSeconds) ?? resyncIntervalSeconds
        usageAPIKeys = try c.decodeIfPresent([String: String].self, forKey: .usageAPIKeys) ?? usageAPIKeys
        usageMetrics = try c.decodeIfPresent([String: [String: [String]]].self, forKey: .usageMetrics) ?? usageMetrics
        usageWindowSeconds = try c.decodeIfPresent(Int.self, forKey: .usageWindowSeconds) ?? usageWindowSeconds
        usageReportIntervalSeconds = try c.decodeIfPresent(Int.self, forKey: .usageReportIntervalSeconds) ?? usageReportIntervalSeconds
        usageMaxQuantity = try c.decodeIfPresent(Int64.self, forKey: .usageMaxQuantity) ?? usageMaxQuantity
        notificationRetrySeconds = try c.decodeIfPresent(Int.self, forKey: .notificationRetrySeconds) ?? notificationRetrySeconds
        deadLetterAfterAttempts = try c.decodeIfPresent(Int.self, forKey: .deadLetterAfterAttempts) ?? deadLetterAfterAttempts
        absenceConfirmationSeconds = try c.decodeIfPresent(Int.self, forKey: .absenceConfirmationSeconds) ?? absenceConfirmationSeconds
        httpHeaderTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .httpHeaderTimeoutSeconds) ?? httpHeaderTimeoutSeconds
        httpBodyTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .httpBodyTimeoutSeconds) ?? httpBodyTimeoutSeconds
        httpIdleTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .httpIdleTimeoutSeconds) ?? httpIdleTimeoutSeconds
        signupSessionSeconds = try c.decodeIfPresent(Int.self, forKey: .signupSessionSeconds) ?? signupSessionSeconds
        inboxRetentionDays = try c.decodeIfPresent(Int.self, forKey: .inboxRetentionDays) ?? inboxRetentionDays
        auditRetentionDays = try c.decodeIfPresent(Int.self, forKey: .auditRetentionDays) ?? auditRetentionDays
        poisonRetentionDays = try c.decodeIfPresent(Int.self, forKey: .poisonRetentionDays) ?? poisonRetentionDays
        usageRecordRetentionDays = try c.decodeIfPresent(Int.self, forKey: .usageRecordRetentionDays) ?? usageRecordRetentionDays
        callbackRetentionDays = try c.decodeIfPresent(Int.self, forKey: .callbackRetentionDays) ?? callbackRetentionDays
        pruneIntervalSeconds = try c.decodeIfPresent(Int.self, forKey: .pruneIntervalSeconds) ?? pruneIntervalSeconds
        callbackClaimSeconds = try c.decodeIfPresent(Int.self, forKey: .callbackClaimSeconds) ?? callbackClaimSeconds
        metricsEnabled = try c.decodeIfPresent(Bool.self, forKey: .metricsEnabled) ?? metricsEnabled
        metricsToken = try text(.metricsToken)
        signupApp = try text(.signupApp)
        handoffSeconds = try c.decodeIfPresent(Int.self, forKey: .handoffSeconds) ?? handoffSeconds
        signupMode = try text(.signupMode) ?? signupMode
        signupURL = try text(.signupURL)
        signupTemplates = try text(.signupTemplates)
        slackWebhookURL = try text(.slackWebhookURL)
        consoleSessionSeconds = try c.decodeIfPresent(Int.self, forKey: .consoleSessionSeconds) ?? consoleSessionSeconds
        consoleIAPAudience = try text(.consoleIAPAudience)
        consoleIAPEmails = try c.decodeIfPresent([String].self, forKey: .consoleIAPEmails) ?? consoleIAPEmails
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

    mutating func apply(_ environment: [String: String]) throws {
        func text(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func number(_ name: String) throws -> Int? {
            guard let value = text(name) else { return nil }
            guard let number = Int(value) else { throw ConfigurationError(setting: name, problem: "\"\(value)\" is not a number") }
            return number
        }
        httpHost = text("ENTITLE_HTTP_HOST") ?? httpHost
        // Cloud Run (and other platforms) say where to listen in PORT; Entitle's own name wins.
        httpPort = try number("ENTITLE_HTTP_PORT") ?? number("PORT") ?? httpPort
        publicURL = text("ENTITLE_PUBLIC_URL") ?? publicURL
        storeURL = text("ENTITLE_STORE_URL") ?? storeURL
        googleCredentials = text("ENTITLE_GOOGLE_CREDENTIALS") ?? googleCredentials
        googleBaseURL = text("ENTITLE_GOOGLE_BASE_URL") ?? googleBaseURL
        providerID = text("ENTITLE_PROVIDER_ID") ?? providerID
        subscription = text("ENTITLE_SUBSCRIPTION") ?? subscription
        delivery = text("ENTITLE_DELIVERY") ?? delivery
        pullWorkers = try number("ENTITLE_PULL_WORKERS") ?? pullWorkers
        pushAudience = text("ENTITLE_PUSH_AUDIENCE") ?? pushAudience
        pushServiceAccount = text("ENTITLE_PUSH_SERVICE_ACCOUNT") ?? pushServiceAccount
        if let audiences = text("ENTITLE_SIGNUP_AUDIENCES") {
            signupAudiences = audiences.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        appURL = text("ENTITLE_APP_URL") ?? appURL
        callbackURL = text("ENTITLE_CALLBACK_URL") ?? callbackURL
        callbackSecret = text("ENTITLE_CALLBACK_SECRET") ?? callbackSecret
        adminToken = text("ENTITLE_ADMIN_TOKEN") ?? adminToken
        if let policy = text("ENTITLE_ENTITLEMENT_POLICY") {
            guard let value = EntitlementApprovalPolicy(rawValue: policy) else {
                throw ConfigurationError(setting: "ENTITLE_ENTITLEMENT_POLICY", problem: "\"\(policy)\" is not automatic, manual or after-signup")
            }
            entitlementPolicy = value
        }
        if let policy = text("ENTITLE_PLAN_CHANGE_POLICY") {
            guard let value = PlanChangePolicy(rawValue: policy) else {
                throw ConfigurationError(setting: "ENTITLE_PLAN_CHANGE_POLICY", problem: "\"\(policy)\" is not automatic or manual")
            }
            planChangePolicy = value
        }
        sandboxEmulatorPort = try number("ENTITLE_SANDBOX_EMULATOR_PORT") ?? sandboxEmulatorPort
        resyncIntervalSeconds = try number("ENTITLE_RESYNC_INTERVAL_SECONDS") ?? resyncIntervalSeconds
        if let key = text("ENTITLE_USAGE_API_KEY") { usageAPIKeys["default"] = key }
        usageWindowSeconds = try number("ENTITLE_USAGE_WINDOW_SECONDS") ?? usageWindowSeconds
        usageReportIntervalSeconds = try number("ENTITLE_USAGE_REPORT_INTERVAL_SECONDS") ?? usageReportIntervalSeconds
        usageMaxQuantity = try number("ENTITLE_USAGE_MAX_QUANTITY").map(Int64.init) ?? usageMaxQuantity
        notificationRetrySeconds = try number("ENTITLE_NOTIFICATION_RETRY_SECONDS") ?? notificationRetrySeconds
        deadLetterAfterAttempts = try number("ENTITLE_DEAD_LETTER_AFTER_ATTEMPTS") ?? deadLetterAfterAttempts
        absenceConfirmationSeconds = try number("ENTITLE_ABSENCE_CONFIRMATION_SECONDS") ?? absenceConfirmationSeconds
        httpHeaderTimeoutSeconds = try number("ENTITLE_HTTP_HEADER_TIMEOUT_SECONDS") ?? httpHeaderTimeoutSeconds
        httpBodyTimeoutSeconds = try number("ENTITLE_HTTP_BODY_TIMEOUT_SECONDS") ?? httpBodyTimeoutSeconds
        httpIdleTimeoutSeconds = try number("ENTITLE_HTTP_IDLE_TIMEOUT_SECONDS") ?? httpIdleTimeoutSeconds
        signupSessionSeconds = try number("ENTITLE_SIGNUP_SESSION_SECONDS") ?? signupSessionSeconds
        inboxRetentionDays = try number("ENTITLE_INBOX_RETENTION_DAYS") ?? inboxRetentionDays
        auditRetentionDays = try number("ENTITLE_AUDIT_RETENTION_DAYS") ?? auditRetentionDays
        poisonRetentionDays = try number("ENTITLE_POISON_RETENTION_DAYS") ?? poisonRetentionDays
        usageRecordRetentionDays = try number("ENTITLE_USAGE_RECORD_RETENTION_DAYS") ?? usageRecordRetentionDays
        callbackRetentionDays = try number("ENTITLE_CALLBACK_RETENTION_DAYS") ?? callbackRetentionDays
        pruneIntervalSeconds = try number("ENTITLE_PRUNE_INTERVAL_SECONDS") ?? pruneIntervalSeconds
        callbackClaimSeconds = try number("ENTITLE_CALLBACK_CLAIM_SECONDS") ?? callbackClaimSeconds
        if let value = text("ENTITLE_METRICS_ENABLED") {
            guard let flag = ["true": true, "1": true, "false": false, "0": false][value.lowercased()] else {
                throw ConfigurationError(setting: "ENTITLE_METRICS_ENABLED", problem: "\"\(value)\" is not true or false")
            }
            metricsEnabled = flag
        }
        metricsToken = text("ENTITLE_METRICS_TOKEN") ?? metricsToken
        signupApp = text("ENTITLE_SIGNUP_APP") ?? signupApp
        handoffSeconds = try number("ENTITLE_HANDOFF_SECONDS") ?? handoffSeconds
        signupMode = text("ENTITLE_SIGNUP_MODE") ?? signupMode
        signupURL = text("ENTITLE_SIGNUP_URL") ?? signupURL
        signupTemplates = text("ENTITLE_SIGNUP_TEMPLATES") ?? signupTemplates
        slackWebhookURL = text("ENTITLE_SLACK_WEBHOOK_URL") ?? slackWebhookURL
        consoleSessionSeconds = try number("ENTITLE_CONSOLE_SESSION_SECONDS") ?? consoleSessionSeconds
        consoleIAPAudience = text("ENTITLE_CONSOLE_IAP_AUDIENCE") ?? consoleIAPAudience
        if let emails = text("ENTITLE_CONSOLE_IAP_EMAILS") {
            consoleIAPEmails = emails.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if consoleIAPAudience != nil, consoleIAPEmails.isEmpty {
            throw ConfigurationError(setting: "consoleIAPEmails", problem: "consoleIAPAudience is set, so the console needs the emails it lets in")
        }
        guard (60...7 * 86400).contains(consoleSessionSeconds) else {
            throw ConfigurationError(setting: "consoleSessionSeconds", problem: "\(consoleSessionSeconds) must be 60 to 604800 (a week)")
        }
        guard ["hosted", "redirect"].contains(signupMode) else {
            throw ConfigurationError(setting: "signupMode", problem: "\"\(signupMode)\" is not hosted or redirect")
        }
        guard (1...3600).contains(handoffSeconds) else {
            throw ConfigurationError(setting: "handoffSeconds", problem: "\(handoffSeconds) must be 1 to 3600")
        }
        // A delivery may take its whole request timeout (10 s): a shorter claim would let another
        // replica send the same callback while the first is still waiting for an answer.
        guard callbackClaimSeconds >= 15 else {
            throw ConfigurationError(
                setting: "callbackClaimSeconds",
                problem: "\(callbackClaimSeconds) must be at least 15 (a delivery may take 10 s)"
            )
        }
        guard inboxRetentionDays >= RetentionPolicy.minimumInboxDays else {
            throw ConfigurationError(
                setting: "inboxRetentionDays",
                problem: "\(inboxRetentionDays) must be at least \(RetentionPolicy.minimumInboxDays): Pub/Sub redelivers for up to 7 days"
            )
        }
        guard auditRetentionDays >= inboxRetentionDays else {
            throw ConfigurationError(setting: "auditRetentionDays", problem: "\(auditRetentionDays) must not be shorter than inboxRetentionDays")
        }
        for (key, value) in [
            ("poisonRetentionDays", poisonRetentionDays), ("usageRecordRetentionDays", usageRecordRetentionDays),
            ("callbackRetentionDays", callbackRetentionDays),
        ] where value < 1 {
            throw ConfigurationError(setting: key, problem: "\(value) must be at least 1")
        }
        for (key, value) in [
            ("httpHeaderTimeoutSeconds", httpHeaderTimeoutSeconds), ("httpBodyTimeoutSeconds", httpBodyTimeoutSeconds),
            ("httpIdleTimeoutSeconds", httpIdleTimeoutSeconds), ("signupSessionSeconds", signupSessionSeconds),
        ] where value < 1 {
            throw ConfigurationError(setting: key, problem: "\(value) must be at least 1")
        }
        guard (1...600).contains(notificationRetrySeconds) else {
            throw ConfigurationError(
                setting: "notificationRetrySeconds",
                problem: "\(notificationRetrySeconds) must be 1 to 600 (Pub/Sub's longest ack deadline)"
            )
        }
        guard deadLetterAfterAttempts >= 1 else {
            throw ConfigurationError(setting: "deadLetterAfterAttempts", problem: "\(deadLetterAfterAttempts) must be at least 1")
        }
        guard absenceConfirmationSeconds >= 0 else {
            throw ConfigurationError(setting: "absenceConfirmationSeconds", problem: "\(absenceConfirmationSeconds) must not be negative")
        }
        guard usageMaxQuantity >= 1 else {
            throw ConfigurationError(setting: "usageMaxQuantity", problem: "\(usageMaxQuantity) must be at least 1")
        }
        // Google expects hourly windows; shorter ones exist for tests that must see windows close.
        guard usageWindowSeconds >= 1, 86_400 % usageWindowSeconds == 0 else {
            throw ConfigurationError(setting: "usageWindowSeconds", problem: "\(usageWindowSeconds) must divide a day")
        }
        guard ["pull", "push"].contains(delivery) else {
            throw ConfigurationError(setting: "delivery", problem: "\"\(delivery)\" is not pull or push")
        }
    }

    /// The app hand-off codes are for: `signupApp`, else the only app key's, else `default`'s;
    /// nil (no codes) when no such app has a key.
    public var handoffApp: String? {
        if let signupApp { return usageAPIKeys[signupApp] == nil ? nil : signupApp }
        if usageAPIKeys.count == 1 { return usageAPIKeys.keys.first }
        return usageAPIKeys["default"] == nil ? nil : "default"
    }

    public var retention: RetentionPolicy {
        RetentionPolicy(
            inboxDays: inboxRetentionDays,
            auditDays: auditRetentionDays,
            poisonDays: poisonRetentionDays,
            usageRecordDays: usageRecordRetentionDays,
            callbackDays: callbackRetentionDays
        )
    }

    public var policies: ApprovalPolicies {
        ApprovalPolicies(default: ApprovalPolicy(entitlement: entitlementPolicy, planChange: planChangePolicy), products: productPolicies)
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var setting: String
    public var problem: String
    public var description: String { "configuration: \(setting): \(problem)" }
}
