public import Foundation
public import MarketplaceCore

/// How an emulator starts. The defaults run the shipped catalog on an ephemeral loopback port.
public struct EmulatorOptions: Sendable {
    /// Loopback only unless told otherwise.
    public var host = "127.0.0.1"
    /// 0 picks a free port; read it back with `MarketplaceEmulator.baseURL()`.
    public var port = 0
    public var provider = EmulatorDefaults.provider
    /// The topic Marketplace notifications are published to.
    public var topic = EmulatorDefaults.topic
    public var catalog = Catalog.default
    /// contract §11: refuse `entitlements:approve` until the account's `signup` is approved.
    public var requireSignupBeforeApproval = true
    /// How long a CANCELLED entitlement stays readable before it is purged (ENTITLEMENT_DELETED).
    public var purgeCancelledAfter = ISO8601Duration(days: 30)
    /// The emulator's time at start; now when nil.
    public var startTime: Date?
    /// How long an empty pull waits for a message before answering `{}`.
    public var pullWait: Duration = .seconds(1)
    /// Calls to Google's paths need a bearer token issued by the emulator; off is `--no-auth`.
    public var requireAuth = true
    /// `expires_in` of issued access tokens, in seconds (Google's: 3599).
    public var accessTokenLifetime = 3600
    /// The `aud` of sign-up tokens: the vendor's product domain.
    public var signupAudience = "localhost"
    /// Where the buyer is sent to sign up: the vendor's sign-up page.
    public var signupURL = "http://127.0.0.1:8080/signup"
    /// The buyer page's defaults for adding an agent to Gemini Enterprise: the Agent Card's
    /// `target_url` and `provider.url` (the sandbox sets them when agents are configured).
    public var agentTargetURL = ""
    public var agentAudience = ""
    /// The project of the emulated service account.
    public var projectID = "entitle-sandbox"
    /// Reuse this service-account key (a file written by `--print-credentials` earlier) so that
    /// credentials stay valid across restarts; a new key is made when nil.
    public var serviceAccountKey: ServiceAccountKeyFile?
    /// Keep the state in this file across restarts (`--state`): loaded at start, written within a
    /// second of a change and on graceful shutdown. In memory only when nil.
    public var stateFile: String?
    /// Faults injected from the start; changeable later with `PUT /emulator/v1/faults`.
    public var faults = FaultPlan()
    /// `host:port` of another Pub/Sub (Google's emulator) that Marketplace notifications are also
    /// published to, over its REST API (`--pubsub-emulator-host`).
    public var externalPubSubHost: String?

    public init() {}
}
