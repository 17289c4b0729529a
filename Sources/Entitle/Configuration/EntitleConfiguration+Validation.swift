import Foundation

/// The checks a configuration must pass before anything starts, each naming the setting and where
/// it came from: a broken setting stops `entitle serve`, it never quietly turns a feature off.
extension EntitleConfiguration {
    /// Where the settings came from: the environment wins over the file.
    struct Origins {
        var file: String?
        var fileKeys: Set<String>
        var environment: [String: String]

        /// "environment ENTITLE_X", "file F (key)", or the key alone when it is a default. The
        /// environment variable is the catalog's for the key (`usageAPIKeys.app` is `usageAPIKeys`).
        func of(_ key: String) -> String {
            let base = key.split(separator: ".").first.map(String.init) ?? key
            let name = SettingsCatalog.all.first { $0.key == base }?.environment
            if let name, let value = environment[name], !value.isEmpty { return "\(key) (environment \(name))" }
            if let file, fileKeys.contains(key) { return "\(key) (file \(file))" }
            return key
        }
    }

    /// Checks a configuration made in code as `load` checks one read from a file and the
    /// environment: every setting's allowed values (`SettingsCatalog`), then the rules between them.
    public func validate() throws(ConfigurationError) {
        try validate(Origins(file: nil, fileKeys: [], environment: [:]))
    }

    func validate(_ origins: Origins) throws(ConfigurationError) {
        for setting in SettingsCatalog.all {
            guard let key = setting.key, let problem = setting.problem(self) else { continue }
            throw ConfigurationError(setting: origins.of(key), problem: problem)
        }
        try validateRelations(origins)
    }

    /// The rules between settings.
    private func validateRelations(_ origins: Origins) throws(ConfigurationError) {
        if consoleIAPAudience != nil, consoleIAPEmails.isEmpty {
            throw ConfigurationError(
                setting: origins.of("consoleIAPEmails"),
                problem: "consoleIAPAudience is set, so the console needs the emails it lets in"
            )
        }
        guard auditRetentionDays >= inboxRetentionDays else {
            throw ConfigurationError(
                setting: origins.of("auditRetentionDays"),
                problem: "\(auditRetentionDays) must not be shorter than inboxRetentionDays"
            )
        }
        guard usageOperationRetentionDays >= usageRecordRetentionDays else {
            throw ConfigurationError(
                setting: origins.of("usageOperationRetentionDays"),
                problem: "\(usageOperationRetentionDays) must not be shorter than usageRecordRetentionDays"
            )
        }
        // Google expects hourly windows; shorter ones exist for tests that must see windows close.
        guard 86_400 % usageWindowSeconds == 0 else {
            throw ConfigurationError(
                setting: origins.of("usageWindowSeconds"),
                problem: "\(usageWindowSeconds) must divide a day"
            )
        }
        func secret(_ value: String?, _ key: String) throws(ConfigurationError) {
            guard let value else { return }
            if let problem = SecretStrength.problem(value) {
                throw ConfigurationError(setting: origins.of(key), problem: problem)
            }
        }
        try secret(callbackSecret, "callbackSecret")
        try secret(callbackSecretPrevious, "callbackSecretPrevious")
        try secret(adminToken, "adminToken")
        try secret(adminTokenPrevious, "adminTokenPrevious")
        // A previous secret alone would be the only one: the rotation's steps were taken out of order.
        for (key, previous, current) in [
            ("callbackSecretPrevious", callbackSecretPrevious, callbackSecret),
            ("adminTokenPrevious", adminTokenPrevious, adminToken),
        ] where previous != nil && current == nil {
            throw ConfigurationError(setting: origins.of(key), problem: "is the one being retired; set the new one too")
        }
        try validateAppKeys(origins, secret)
        try validateAgents(origins, secret)
        if let slackWebhookURL, !Self.isWebURL(slackWebhookURL) {
            throw ConfigurationError(
                setting: origins.of("slackWebhookURL"),
                problem: "is not an http(s) URL with a host"
            )
        }
        if signupMode == "redirect" {
            guard let signupURL, Self.isWebURL(signupURL) else {
                throw ConfigurationError(
                    setting: origins.of("signupURL"),
                    problem: "redirect sign-up needs your sign-up page's http(s) URL"
                )
            }
            guard handoffApp != nil else {
                throw ConfigurationError(
                    setting: origins.of("signupApp"),
                    problem: "redirect sign-up needs an app key (usageAPIKeys) to complete sign-ups with"
                )
            }
        }
        if let signupApp, usageAPIKeys[signupApp] == nil {
            throw ConfigurationError(
                setting: origins.of("signupApp"),
                problem: "\"\(signupApp)\" has no key in usageAPIKeys: it could not redeem its hand-off codes"
            )
        }
        if let callbackURL {
            guard Self.isWebURL(callbackURL) else {
                throw ConfigurationError(
                    setting: origins.of("callbackURL"),
                    problem: "\"\(callbackURL)\" is not an http(s) URL with a host; callbacks cannot be sent"
                )
            }
            guard callbackSecret != nil else {
                throw ConfigurationError(
                    setting: origins.of("callbackSecret"),
                    problem: "callbacks to \(callbackURL) must be signed: set a secret"
                )
            }
        }
        if let waitingMessage, waitingMessage.count > 500 {
            throw ConfigurationError(
                setting: origins.of("waitingMessage"),
                problem: "is \(waitingMessage.count) characters; Google's message to a waiting buyer is at most 500"
            )
        }
        for (key, value) in [("publicURL", publicURL), ("appURL", appURL), ("loginURL", loginURL)] {
            if let value, !Self.isWebURL(value) {
                throw ConfigurationError(
                    setting: origins.of(key),
                    problem: "\"\(value)\" is not an http(s) URL with a host"
                )
            }
        }
        if let subscription, let problem = Self.subscriptionProblem(subscription) {
            throw ConfigurationError(
                setting: origins.of("subscription"),
                problem: problem
            )
        }
    }

    /// Agent products need what registering their orders' clients takes.
    private func validateAgents(
        _ origins: Origins,
        _ secret: (String?, String) throws(ConfigurationError) -> Void
    ) throws(ConfigurationError) {
        try secret(agentSecretKey, "agentSecretKey")
        try secret(agentSecretKeyPrevious, "agentSecretKeyPrevious")
        if agentSecretKeyPrevious != nil, agentSecretKey == nil {
            throw ConfigurationError(
                setting: origins.of("agentSecretKeyPrevious"),
                problem: "is the one being retired; set the new one too"
            )
        }
        guard !agentProducts.isEmpty else { return }
        let needs: [(String, Bool, String)] = [
            ("agentAudiences", agentAudiences.isEmpty, "the statements' audience, your Agent Card's provider.url"),
            (
                "agentSecretKey", (agentSecretKey ?? "").count < 32,
                "a key of at least 32 characters to seal secrets with"
            ),
            ("agentRegistrarURL", !Self.isWebURL(agentRegistrarURL ?? ""), "your identity provider's http(s) URL"),
        ]
        for (key, missing, what) in needs where missing {
            throw ConfigurationError(setting: origins.of(key), problem: "agent products need \(what)")
        }
        guard agentRegistrationPath.hasPrefix("/"), agentRegistrationPath.count > 1,
            !agentRegistrationPath.contains(where: { $0 == "?" || $0 == "#" || $0.isWhitespace })
        else {
            throw ConfigurationError(
                setting: origins.of("agentRegistrationPath"),
                problem: "\"\(agentRegistrationPath)\" is not a path (/…, without query or fragment)"
            )
        }
    }

    /// Each app's keys are good secrets, and each key opens one app only.
    private func validateAppKeys(
        _ origins: Origins,
        _ secret: (String?, String) throws(ConfigurationError) -> Void
    ) throws(ConfigurationError) {
        var owners: [String: String] = [:]
        for (app, access) in usageAPIKeys.sorted(by: { $0.key < $1.key }) {
            let key = app == "default" ? "usageAPIKeys" : "usageAPIKeys.\(app)"
            if let problem = access.problem { throw ConfigurationError(setting: origins.of(key), problem: problem) }
            for value in access.keys {
                try secret(value, key)
                if let other = owners.updateValue(app, forKey: value), other != app {
                    throw ConfigurationError(
                        setting: origins.of(key),
                        problem: "has the same key as app \(other): a key must say which app calls"
                    )
                }
            }
        }
    }

    static func isWebURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme)
        else { return false }
        return !(url.host ?? "").isEmpty
    }

    /// Why Google would refuse this subscription name, or nil: `projects/{project}/subscriptions/{id}`
    /// where the id starts with a letter, is 3 to 255 letters, digits or `-_.~+%`, and does not
    /// start with `goog` (Pub/Sub's resource name rules).
    static func subscriptionProblem(_ name: String) -> String? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "projects", parts[2] == "subscriptions", !parts[1].isEmpty else {
            return "\"\(name)\" is not projects/{project}/subscriptions/{subscription}"
        }
        let id = parts[3]
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~+%"))
        guard let first = id.unicodeScalars.first, CharacterSet.letters.contains(first), first.isASCII,
            (3...255).contains(id.count), id.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }),
            !id.lowercased().hasPrefix("goog")
        else {
            return
                "subscription id \"\(id)\" would be refused by Pub/Sub: 3 to 255 characters, a letter first, "
                + "then letters, digits or -_.~+%, not starting with goog"
        }
        return nil
    }
}
