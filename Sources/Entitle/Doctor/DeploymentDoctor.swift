public import AsyncHTTPClient
import EntitleStore
public import Foundation
public import GoogleCloud
import Logging
import MarketplaceCore
import NIOCore
import NIOHTTP1

/// `entitle doctor`: checks a deployment the way `entitle serve` would use it, one line per
/// check, each failure with what to do. The failures seen most in Marketplace integrations come
/// first: credentials, the Producer Portal linkage (a silent 403), the subscription's topic.
/// Nothing is changed: no message is pulled, no store migrated, no usage reported.
public struct DeploymentDoctor: Sendable {
    /// The consumer a permission check is asked about: not a real one, so Google answers with a
    /// check error (200) when the call is permitted, and 403 when it is not.
    public static let probeConsumer = "project:entitle-doctor"
    /// The greatest difference from Google's clock that tokens tolerate comfortably.
    static let maxClockSkewSeconds: Int64 = 30

    public struct Credentials: Sendable {
        public var provider: any AccessTokenProvider
        /// Where they were found and whose they are.
        public var description: String

        public init(provider: any AccessTokenProvider, description: String) {
            self.provider = provider
            self.description = description
        }
    }

    let configuration: EntitleConfiguration
    let endpoints: GoogleEndpoints
    let credentials: Credentials?
    /// Where credentials were looked for, when none were found.
    let tried: [String]
    let httpClient: HTTPClient
    let now: @Sendable () -> Date

    public init(
        configuration: EntitleConfiguration,
        endpoints: GoogleEndpoints,
        credentials: Credentials?,
        tried: [String] = [],
        httpClient: HTTPClient = .shared,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.endpoints = endpoints
        self.credentials = credentials
        self.tried = tried
        self.httpClient = httpClient
        self.now = now
    }

    public func run() async -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        guard let credentials else {
            checks.append(
                .fail(
                    "credentials",
                    "none found; looked in: " + tried.joined(separator: "; "),
                    fix:
                        "set googleCredentials (ENTITLE_GOOGLE_CREDENTIALS) to the service account's key file, or run where the metadata server answers"
                )
            )
            return checks + [await store(), signupAudiences(), await clock()]
        }
        checks.append(.pass("credentials", credentials.description))
        let transport = GoogleAPITransport(
            credentials: credentials.provider,
            retryPolicy: RetryPolicy(maxAttempts: 3, totalTimeout: .seconds(20)),
            requestTimeout: .seconds(15)
        )
        do {
            _ = try await credentials.provider.accessToken()
            checks.append(.pass("token", "an access token was issued"))
        } catch {
            checks.append(
                .fail(
                    "token",
                    "no access token: \(error)",
                    fix:
                        "the key may be deleted or disabled, or the token endpoint unreachable: make a new key for the service account"
                )
            )
            return checks + [await store(), signupAudiences(), await clock()]
        }
        let procurement = await procurement(transport)
        checks.append(procurement.check)
        checks.append(await subscription(transport, providerAccepted: procurement.accepted))
        checks += await serviceControl(
            transport,
            entitlements: procurement.entitlements,
            providerAccepted: procurement.accepted
        )
        checks.append(signupAudiences())
        checks.append(await callback())
        checks.append(await store())
        checks.append(await clock())
        return checks
    }

    /// The Procurement API for `providerID`; the entitlements of its first page, for the checks
    /// that need product names. `accepted` is false when Google refused the provider.
    func procurement(
        _ transport: GoogleAPITransport
    ) async -> (check: DoctorCheck, accepted: Bool, entitlements: [Entitlement]) {
        let name = "procurement"
        guard let provider = configuration.providerID, let id = try? ProviderID(provider) else {
            return (
                .fail(
                    name,
                    "providerID is not set",
                    fix: "set providerID (ENTITLE_PROVIDER_ID) to the id Producer Portal shows"
                ), false, []
            )
        }
        let client = ProcurementClient(provider: id, baseURL: endpoints.procurement, transport: transport)
        do {
            var page: [Entitlement] = []
            for try await entitlement in client.entitlements(pageSize: 100) {
                page.append(entitlement)
                if page.count == 100 { break }
            }
            return (.pass(name, "the Partner Procurement API answers for provider \(provider)"), true, page)
        } catch let error as GoogleAPIError where [401, 403].contains(error.httpStatus) {
            let fix =
                "link the service account to provider \(provider) in Producer Portal (Technical integration), check that providerID is your provider id, "
                + "and enable the Cloud Commerce Partner Procurement API in the project"
            return (.fail(name, "Google refuses provider \(provider): \(error.message)", fix: fix), false, [])
        } catch let error as GoogleAPIError where error.httpStatus == 404 {
            return (
                .fail(
                    name,
                    "no provider \(provider): \(error.message)",
                    fix: "set providerID to the id Producer Portal shows"
                ), false, []
            )
        } catch {
            return (
                .fail(
                    name,
                    "the Partner Procurement API did not answer: \(error)",
                    fix: "check the network path to Google's APIs"
                ), false, []
            )
        }
    }

    /// Marketplace publishes to `projects/cloudcommerceproc-prod/topics/{providerID}`.
    func subscription(_ transport: GoogleAPITransport, providerAccepted: Bool) async -> DoctorCheck {
        let name = "subscription"
        guard let subscription = configuration.subscription else {
            return configuration.delivery == "push"
                ? .skip(
                    name,
                    "push delivery; set subscription (ENTITLE_SUBSCRIPTION) to have its push endpoint and audience checked"
                )
                : .fail(
                    name,
                    "subscription is not set",
                    fix: "set subscription (ENTITLE_SUBSCRIPTION) to projects/{project}/subscriptions/{name}"
                )
        }
        let pubsub = PubSubClient(baseURL: endpoints.pubSub, transport: transport)
        let found: PubSubSubscription
        do {
            found = try await pubsub.subscription(subscription)
        } catch let error as GoogleAPIError where error.httpStatus == 404 {
            return .fail(
                name,
                "\(subscription) does not exist",
                fix: "create it on Marketplace's topic: \(createCommand(subscription))"
            )
        } catch let error as GoogleAPIError where [401, 403].contains(error.httpStatus) {
            return .fail(
                name,
                "reading \(subscription) is refused: \(error.message)",
                fix: "grant the service account roles/pubsub.subscriber on it"
            )
        } catch {
            return .fail(name, "Pub/Sub did not answer: \(error)", fix: "check the network path to Google's APIs")
        }
        guard providerAccepted, let provider = configuration.providerID else {
            return .skip(name, "\(subscription) exists; its topic is checked once Google accepts providerID")
        }
        let topic = "projects/cloudcommerceproc-prod/topics/\(provider)"
        guard found.topic == topic else {
            return .fail(
                name,
                "\(subscription) is on \(found.topic ?? "no topic"), not on Marketplace's \(topic)",
                fix: "delete it and create it on Marketplace's topic: \(createCommand(subscription))"
            )
        }
        if configuration.delivery == "push" { return push(found, subscription) }
        do {
            let granted = try await pubsub.testPermissions(subscription, ["pubsub.subscriptions.consume"])
            guard granted.contains("pubsub.subscriptions.consume") else {
                return .fail(
                    name,
                    "the service account may not pull from \(subscription)",
                    fix: "grant it roles/pubsub.subscriber on the subscription"
                )
            }
        } catch {
            return .fail(
                name,
                "cannot tell whether \(subscription) may be pulled: \(error)",
                fix: "grant the service account roles/pubsub.subscriber"
            )
        }
        return .pass(name, "\(subscription) is on \(topic) and may be pulled")
    }

    private func push(_ found: PubSubSubscription, _ subscription: String) -> DoctorCheck {
        let name = "subscription"
        let endpoint = configuration.resolvedPublicURL + "/" + PubSubPushController.path
        let audience = configuration.pushAudience ?? endpoint
        let config = found.pushConfig
        var problems: [String] = []
        if config?.pushEndpoint != endpoint {
            problems.append("pushes to \(config?.pushEndpoint ?? "nowhere (a pull subscription)"), not \(endpoint)")
        }
        if (config?.oidcToken?.audience ?? config?.pushEndpoint) != audience {
            problems.append("OIDC audience \(config?.oidcToken?.audience ?? "(the endpoint)"), not \(audience)")
        }
        if config?.oidcToken?.serviceAccountEmail != configuration.pushServiceAccount {
            problems.append(
                "signs as \(config?.oidcToken?.serviceAccountEmail ?? "nobody"), not \(configuration.pushServiceAccount ?? "(pushServiceAccount unset)")"
            )
        }
        guard problems.isEmpty else {
            return .fail(
                name,
                "\(subscription) " + problems.joined(separator: "; "),
                fix:
                    "gcloud pubsub subscriptions modify-push-config \(subscription) --push-endpoint=\(endpoint) --push-auth-service-account=\(configuration.pushServiceAccount ?? "SA") --push-auth-token-audience=\(audience)"
            )
        }
        return .pass(name, "\(subscription) pushes to \(endpoint) with an OIDC token for \(audience)")
    }

    private func createCommand(_ subscription: String) -> String {
        let parts = subscription.split(separator: "/")
        let (project, id) = parts.count == 4 ? (String(parts[1]), String(parts[3])) : ("PROJECT", subscription)
        return
            "gcloud pubsub subscriptions create \(id) --project=\(project) --topic=projects/cloudcommerceproc-prod/topics/\(configuration.providerID ?? "PROVIDER_ID")"
    }
}
