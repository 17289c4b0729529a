import Foundation
import Hummingbird
import MarketplaceCore

/// Pub/Sub REST v1 on Google's paths (contract §6): topics and subscriptions (create, get, list,
/// delete, patch), publish, pull (long poll), acknowledge, modifyAckDeadline, modifyPushConfig.
/// Pushing is `PushDeliverer`'s.
struct PubSubRoutes {
    let state: EmulatorState
    /// How long a pull with nothing to hand out waits for a message before answering `{}`.
    let pullWait: Duration

    func register(on router: Router<BasicRequestContext>) {
        let topics = "v1/projects/:project/topics/:topic"
        let subscriptions = "v1/projects/:project/subscriptions/:subscription"
        router.put(RouterPath(topics)) { request, context in
            let name = try name(context, "topics", "topic")
            _ = try await RequestDecoding.decode(TopicJSON.self, from: request, schema: "pubsub.Topic")
            return try JSONResponse.make(try await state.createTopic(name))
        }
        router.get(RouterPath(topics)) { _, context in
            try JSONResponse.make(try await state.pubsub.topic(try name(context, "topics", "topic")))
        }
        router.post(RouterPath(topics)) { request, context in try await publish(request, context) }
        router.delete(RouterPath(topics)) { _, context in
            try await state.deleteTopic(try name(context, "topics", "topic"))
            return try JSONResponse.make(EmptyResponse())
        }
        router.get(RouterPath(topics + "/subscriptions")) { request, context in
            let names = try await state.pubsub.subscriptionNames(topic: try name(context, "topics", "topic"))
            let page = try Self.page(names, request)
            return try JSONResponse.make(
                TopicSubscriptionsJSON(
                    subscriptions: page.items.isEmpty ? nil : page.items,
                    nextPageToken: page.nextPageToken
                )
            )
        }
        router.get("v1/projects/:project/topics") { request, context in
            let page = try Self.page(
                await state.pubsub.topics(project: context.parameters.get("project") ?? ""),
                request
            )
            return try JSONResponse.make(
                TopicListJSON(topics: page.items.isEmpty ? nil : page.items, nextPageToken: page.nextPageToken)
            )
        }
        router.get("v1/projects/:project/subscriptions") { request, context in
            let page = try Self.page(
                await state.pubsub.subscriptions(project: context.parameters.get("project") ?? ""),
                request
            )
            return try JSONResponse.make(
                SubscriptionListJSON(
                    subscriptions: page.items.isEmpty ? nil : page.items,
                    nextPageToken: page.nextPageToken
                )
            )
        }
        router.patch(RouterPath(subscriptions)) { request, context in
            let body = try await RequestDecoding.decode(
                UpdateSubscriptionRequestJSON.self,
                from: request,
                schema: "pubsub.UpdateSubscriptionRequest",
                allowEmpty: false
            )
            guard let patch = body.subscription else {
                throw GoogleAPIError.invalidArgument("subscription is required.")
            }
            let updated = try await state.patchSubscription(
                try name(context, "subscriptions", "subscription"),
                patch,
                updateMask: body.updateMask
            )
            return try JSONResponse.make(updated)
        }
        router.put(RouterPath(subscriptions)) { request, context in
            let body = try await RequestDecoding.decode(
                SubscriptionJSON.self,
                from: request,
                schema: "pubsub.Subscription",
                allowEmpty: false
            )
            return try JSONResponse.make(
                try await state.createSubscription(try name(context, "subscriptions", "subscription"), body)
            )
        }
        router.get(RouterPath(subscriptions)) { _, context in
            // `GET …:getIamPolicy` is IAM (Pub/Sub's discovery document); a bare GET is subscriptions.get.
            switch try nameAndVerb(context, "subscriptions", "subscription") {
            case (let subscription, nil):
                return try JSONResponse.make(try await state.pubsub.subscription(subscription).wire)
            case (let subscription, "getIamPolicy"):
                return try JSONResponse.make(try await state.pubsub.iamPolicy(subscription))
            case (_, let verb?): throw GoogleAPIError.notFound("Method \(verb) not found for subscriptions.")
            }
        }
        router.delete(RouterPath(subscriptions)) { _, context in
            try await state.deleteSubscription(try name(context, "subscriptions", "subscription"))
            return try JSONResponse.make(EmptyResponse())
        }
        router.post(RouterPath(subscriptions)) { request, context in try await subscriptionAction(request, context) }
    }

    static func page<Item>(_ all: [Item], _ request: Request) throws -> PubSubState.Page<Item> {
        let query = request.uri.queryParameters
        let size = try query.get("pageSize").map { text in
            guard let size = Int(text) else {
                throw GoogleAPIError.invalidArgument("Invalid value at 'page_size' (TYPE_INT32), \"\(text)\"")
            }
            return size
        }
        return try PubSubState.page(
            all,
            size: size,
            token: query.get("pageToken").flatMap { $0.isEmpty ? nil : String($0) }
        )
    }

    /// `projects/{project}/{collection}/{id}`, with the `:verb` suffix split off.
    private func name(_ context: BasicRequestContext, _ collection: String, _ parameter: String) throws -> String {
        try nameAndVerb(context, collection, parameter).name
    }

    private func nameAndVerb(
        _ context: BasicRequestContext,
        _ collection: String,
        _ parameter: String
    ) throws -> (name: String, verb: String?) {
        let project = context.parameters.get("project") ?? ""
        let (id, verb) = try context.resourceAndVerb(parameter)
        // contract §6: ids are 3–255 characters of [A-Za-z0-9-_.~+%], starting with a letter.
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.~+%"))
        guard (3...255).contains(id.count), id.first?.isLetter == true, id.unicodeScalars.allSatisfy(allowed.contains),
            !id.hasPrefix("goog")
        else {
            throw GoogleAPIError.invalidArgument(
                "Invalid resource name given (name=projects/\(project)/\(collection)/\(id))."
            )
        }
        return ("projects/\(project)/\(collection)/\(id)", verb)
    }

    private func publish(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (topic, verb) = try nameAndVerb(context, "topics", "topic")
        guard verb == "publish" else {
            throw GoogleAPIError.notFound("Method \(verb ?? "(none)") not found for topics.")
        }
        let body = try await RequestDecoding.decode(
            PublishRequestJSON.self,
            from: request,
            schema: "pubsub.PublishRequest",
            allowEmpty: false
        )
        guard let messages = body.messages, !messages.isEmpty else {
            throw GoogleAPIError.invalidArgument("No messages to publish.")
        }
        var decoded: [(Data, [String: String], String?)] = []
        for message in messages {
            let data = message.data.flatMap { Data(base64Encoded: $0) }
            guard message.data == nil || data != nil else {
                throw GoogleAPIError.invalidArgument("Message data is not valid base64.")
            }
            // contract §6: a message needs non-empty data or at least one attribute.
            guard !(data ?? Data()).isEmpty || !(message.attributes ?? [:]).isEmpty else {
                throw GoogleAPIError.invalidArgument("A message must have data or attributes.")
            }
            decoded.append(
                (data ?? Data(), message.attributes ?? [:], message.orderingKey.flatMap { $0.isEmpty ? nil : $0 })
            )
        }
        return try JSONResponse.make(PublishResponseJSON(messageIds: try await state.publish(topic: topic, decoded)))
    }

    struct SetIamPolicyJSON: Codable {
        var policy: JSONValue?
        var updateMask: String?
    }

    struct PermissionsJSON: Codable {
        var permissions: [String]?
    }

    private func subscriptionAction(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let (subscription, verb) = try nameAndVerb(context, "subscriptions", "subscription")
        switch verb {
        case "pull":
            let body = try await RequestDecoding.decode(
                PullRequestJSON.self,
                from: request,
                schema: "pubsub.PullRequest",
                allowEmpty: false
            )
            let received = try await pull(
                subscription,
                maxMessages: body.maxMessages ?? 0,
                wait: body.returnImmediately != true
            )
            return try JSONResponse.make(PullResponseJSON(receivedMessages: received.isEmpty ? nil : received))
        case "acknowledge":
            let body = try await RequestDecoding.decode(
                AcknowledgeRequestJSON.self,
                from: request,
                schema: "pubsub.AcknowledgeRequest",
                allowEmpty: false
            )
            try await state.acknowledge(subscription, ackIDs: body.ackIds ?? [])
        case "modifyAckDeadline":
            let body = try await RequestDecoding.decode(
                ModifyAckDeadlineRequestJSON.self,
                from: request,
                schema: "pubsub.ModifyAckDeadlineRequest",
                allowEmpty: false
            )
            guard let seconds = body.ackDeadlineSeconds else {
                throw GoogleAPIError.invalidArgument("ackDeadlineSeconds is required.")
            }
            try await state.modifyAckDeadline(subscription, ackIDs: body.ackIds ?? [], seconds: seconds)
        case "setIamPolicy":
            let body = try await RequestDecoding.decode(
                SetIamPolicyJSON.self,
                from: request,
                schema: "pubsub.SetIamPolicyRequest",
                allowEmpty: false
            )
            guard let policy = body.policy else { throw GoogleAPIError.invalidArgument("policy is required.") }
            return try JSONResponse.make(try await state.setIamPolicy(subscription, policy))
        case "testIamPermissions":
            // The emulator's caller may do anything to a subscription that exists.
            let body = try await RequestDecoding.decode(
                PermissionsJSON.self,
                from: request,
                schema: "pubsub.TestIamPermissionsRequest",
                allowEmpty: false
            )
            _ = try await state.pubsub.subscription(subscription)
            return try JSONResponse.make(PermissionsJSON(permissions: body.permissions))
        case "modifyPushConfig":
            let body = try await RequestDecoding.decode(
                ModifyPushConfigRequestJSON.self,
                from: request,
                schema: "pubsub.ModifyPushConfigRequest",
                allowEmpty: false
            )
            try await state.modifyPushConfig(subscription, body.pushConfig)
        default:
            throw GoogleAPIError.notFound("Method \(verb ?? "(none)") not found for subscriptions.")
        }
        return try JSONResponse.make(EmptyResponse())
    }

    /// A long poll: answers as soon as messages are available, or empty after `pullWait`.
    private func pull(_ subscription: String, maxMessages: Int, wait: Bool) async throws -> [ReceivedMessageJSON] {
        let deadline = ContinuousClock.now + (wait ? pullWait : .zero)
        while true {
            let received = try await state.pull(subscription, maxMessages: maxMessages)
            if !received.isEmpty || ContinuousClock.now >= deadline { return received }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
