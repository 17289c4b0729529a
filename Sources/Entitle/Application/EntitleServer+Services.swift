import EntitleStore
import Foundation
import GoogleCloud
import ServiceLifecycle

extension EntitleServer {
    /// The loops that outlive a request: pulling notifications, resync, pruning, usage reporting,
    /// callbacks and Slack notices, as the configuration turns each on.
    static func services(_ parts: EntitleComponents) -> [any Service] {
        let configuration = parts.configuration
        var services: [any Service] = []
        if configuration.delivery != "push" {
            let settings = PubSubPullService.Settings(
                subscription: parts.google.subscription,
                workers: configuration.pullWorkers,
                createOnTopic: parts.google.createSubscriptionOn
            )
            let pubsub = PubSubClient(baseURL: parts.google.endpoints.pubSub, transport: parts.transport)
            services.append(
                PubSubPullService(
                    pubsub: pubsub,
                    processor: parts.processor,
                    settings: settings,
                    readiness: parts.readiness,
                    logger: parts.logger
                )
            )
        }
        if configuration.resyncIntervalSeconds > 0 {
            services.append(
                ResyncService(
                    procurement: parts.procurement,
                    store: parts.store,
                    processor: parts.processor,
                    interval: .seconds(configuration.resyncIntervalSeconds),
                    leadership: parts.leadership,
                    logger: parts.logger
                )
            )
        }
        if configuration.pruneIntervalSeconds > 0 {
            services.append(
                RetentionService(
                    store: parts.store,
                    policy: configuration.retention,
                    interval: .seconds(configuration.pruneIntervalSeconds),
                    leadership: parts.leadership,
                    logger: parts.logger
                )
            )
        }
        if let reporter = parts.usageReporter { services.append(reporter) }
        if let agents = parts.agents {
            services.append(
                AgentClientRevoker(
                    store: parts.store,
                    registrar: agents.registrar,
                    seal: agents.seal,
                    leadership: parts.leadership,
                    logger: parts.logger
                )
            )
        }
        if let callbackURL = configuration.callbackURL, let url = URL(string: callbackURL),
            let secret = configuration.callbackSecret
        {
            let settings = CallbackDispatcher.Settings(
                webhookURL: url,
                claimant: parts.replica,
                claimSeconds: Int64(configuration.callbackClaimSeconds)
            )
            services.append(
                CallbackDispatcher(
                    store: parts.store,
                    signer: CallbackSigner(
                        secrets: [secret] + [configuration.callbackSecretPrevious].compactMap { $0 }
                    ),
                    settings: settings,
                    logger: parts.logger,
                    metrics: parts.metrics,
                    attention: parts.attention
                )
            )
        }
        if let slack = parts.slack, let attention = parts.attention {
            services.append(
                SlackNotifier(queue: attention, webhook: slack, adminBase: parts.publicURL, logger: parts.logger)
            )
        }
        return services
    }
}
