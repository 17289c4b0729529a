public import EntitleStore
import Foundation
import GoogleCloud
import HTTPTypes
public import Hummingbird
import Logging
import MarketplaceCore
import NIOCore

/// The admin REST API under `/api/admin`, behind `Authorization: Bearer <admin token>`:
/// entitlements (paged, by state), one entitlement with its timeline, manual approvals and
/// rejections, accounts with their customer, the audit log, the outbox with replay, poison messages,
/// dead letters with replay.
public struct AdminAPIController: Sendable {
    let store: any Store
    let processor: NotificationProcessor
    /// Decisions and repairs, shared with the admin API (the console's twin).
    var actions: AdminActions { AdminActions(store: store, processor: processor) }
    /// The admin token, and the one being retired during a rotation.
    let tokens: [String]
    let throttle: AuthThrottle?
    let usageReporter: UsageReporter?
    let leadership: any LeaderElection

    public init(
        store: any Store,
        processor: NotificationProcessor,
        tokens: [String],
        throttle: AuthThrottle? = nil,
        usageReporter: UsageReporter? = nil,
        leadership: any LeaderElection = SingleProcessLeadership(replica: ReplicaName.current)
    ) {
        self.store = store
        self.processor = processor
        self.tokens = tokens
        self.throttle = throttle
        self.usageReporter = usageReporter
        self.leadership = leadership
    }

    struct Replicas: Codable {
        /// The replica that answered.
        var replica: String
        var isLeader: Bool
        /// The leader as it last wrote itself into the store (PostgreSQL; nil with SQLite).
        var leader: LeaderInfo?
    }

    struct EntitlementPage: Codable {
        var entitlements: [LocalEntitlement]
        var nextAfter: String?
    }

    struct EntitlementDetail: Codable {
        var entitlement: LocalEntitlement
        var timeline: [AuditEntry]
    }

    struct AccountDetail: Codable {
        var account: LocalAccount?
        var customer: Customer?
        var entitlements: [LocalEntitlement]
        /// The people who came from Marketplace for the account, the first seen first.
        var people: [AccountPerson]
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        // The admin token opens every route of the group; a route only answers.
        let credential = BearerTokenMiddleware<Context>(
            tokens: tokens,
            required: "an admin bearer token is required",
            credential: "admin",
            throttle: throttle
        )
        let api = router.group("api/admin").add(middleware: credential)
        registerUsage(on: api)
        api.get("entitlements") { request, _ in
            try await answering {
                let query = request.uri.queryParameters
                let state = try query.get("state").map { text in
                    guard let state = EntitlementState.knownCases.first(where: { Self.stateNames($0).contains(text) })
                    else {
                        let known = EntitlementState.knownCases.map { Self.stateNames($0)[0] }
                        throw APIProblem(.badRequest, "state \(text) is not one of \(known.joined(separator: ", "))")
                    }
                    return state
                }
                let limit = try Self.limit(query.get("limit"), default: 100, maximum: 1000)
                let after = try query.get("after").map { try EntitlementID($0) }
                let page = try await store.entitlements(state: state, after: after, limit: limit)
                return try Self.json(
                    EntitlementPage(entitlements: page, nextAfter: page.count == limit ? page.last?.id.rawValue : nil)
                )
            }
        }
        api.get("entitlements/:id") { request, context in
            try await answering {
                let id = try EntitlementID(context.parameters.get("id") ?? "")
                guard let entitlement = try await store.entitlement(id) else {
                    throw APIProblem(.notFound, "no entitlement \(id)")
                }
                let timeline = try await store.auditLog(subject: "entitlements/\(id.rawValue)", limit: 500)
                return try Self.json(EntitlementDetail(entitlement: entitlement, timeline: timeline))
            }
        }
        for (verb, makeDecision) in Self.decisions {
            api.post("entitlements/:id/\(verb)") { request, context in
                try await answering {
                    let id = try EntitlementID(context.parameters.get("id") ?? "")
                    let reason = try await AdminRequestBody.reason(of: request)
                    let decision = makeDecision(reason ?? "Declined by the provider.")
                    return try Self.json(try await actions.decide(decision, for: id, by: "admin"))
                }
            }
        }
        api.post("entitlements/:id/message") { request, context in
            try await answering {
                let id = try EntitlementID(context.parameters.get("id") ?? "")
                let message = try await AdminRequestBody.field("message", of: request)
                return try Self.json(try await actions.setMessageToUser(message, for: id, by: "admin"))
            }
        }
        api.get("accounts/:id") { request, context in
            try await answering {
                let id = try AccountID(context.parameters.get("id") ?? "")
                let detail = AccountDetail(
                    account: try await store.account(id),
                    customer: try await store.customer(forAccount: id),
                    entitlements: try await store.entitlements(ofAccount: id),
                    people: try await store.people(ofAccount: id)
                )
                guard detail.account != nil || !detail.entitlements.isEmpty else {
                    throw APIProblem(.notFound, "no account \(id)")
                }
                return try Self.json(detail)
            }
        }
        api.get("events") { request, _ in
            try await answering {
                let query = request.uri.queryParameters
                let limit = try Self.limit(query.get("limit"), default: 100, maximum: 1000)
                return try Self.json(
                    try await store.auditLog(subject: query.get("subject").map { String($0) }, limit: limit)
                )
            }
        }
        api.get("outbox") { request, _ in
            try await answering {
                let status = try request.uri.queryParameters.get("status").map { text in
                    guard let status = OutboxItem.Status(rawValue: String(text)) else {
                        throw APIProblem(.badRequest, "status \(text) is not one of pending, delivered, failed")
                    }
                    return status
                }
                return try Self.json(try await store.callbacks(status: status, limit: 500))
            }
        }
        api.post("outbox/:id/replay") { request, context in
            try await answering {
                try Self.json(try await actions.replayCallback(context.parameters.get("id") ?? ""))
            }
        }
        api.get("replicas") { request, _ in
            try await answering {
                try Self.json(
                    Replicas(
                        replica: leadership.replica,
                        isLeader: leadership.isLeader,
                        leader: try await store.leader()
                    )
                )
            }
        }
        api.get("poison") { request, _ in
            try await answering { try Self.json(try await store.poisonMessages(limit: 200)) }
        }
        api.get("dead-letters") { request, _ in
            try await answering { try Self.json(try await store.deadLetters(limit: 500)) }
        }
        api.post("dead-letters/:id/replay") { request, context in
            try await answering {
                do {
                    return try Self.json(try await actions.replayDeadLetter(context.parameters.get("id") ?? ""))
                } catch let refusal as AdminActions.Refusal where refusal.kind == .failedAgain {
                    throw APIProblem(.badGateway, "\(refusal) (request id \(context.id))")
                }
            }
        }
    }

    static let decisions: [(String, @Sendable (String) -> ManualDecision)] = [
        ("approve", { _ in .approveEntitlement }),
        ("reject", { .rejectEntitlement(reason: $0) }),
        ("approve-plan-change", { _ in .approvePlanChange }),
        ("reject-plan-change", { .rejectPlanChange(reason: $0) }),
    ]

    /// A state's names in a query: `active` or `ENTITLEMENT_ACTIVE` (as the OpenAPI contract lists them).
    static func stateNames(_ state: EntitlementState) -> [String] {
        [state.rawValue.replacingOccurrences(of: "ENTITLEMENT_", with: "").lowercased(), state.rawValue]
    }

    /// `limit`: absent is `defaultValue`; anything but a whole number from 1 to `maximum` is 400.
    static func limit(_ text: String?, default defaultValue: Int, maximum: Int) throws -> Int {
        guard let text else { return defaultValue }
        guard let value = Int(text), (1...maximum).contains(value) else {
            throw APIProblem(.badRequest, "limit \(text) is not a whole number from 1 to \(maximum)")
        }
        return value
    }

    /// Runs `body` for a caller with the admin token; 401 otherwise. Bad ids are 400.
    /// Runs a route's `body`, its refusals turned into the API's answers: bad ids and parameters
    /// 400, refused actions 404, 409 or 502. (The admin token was checked by the group.)
    func answering(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as ResourceNameError {
            throw APIProblem(.badRequest, error.description)
        } catch let refusal as AdminActions.Refusal {
            let status: HTTPResponse.Status =
                switch refusal.kind {
                case .notFound: .notFound
                case .conflict: .conflict
                case .failedAgain: .badGateway
                case .invalid: .unprocessableContent
                }
            throw APIProblem(status, refusal.description)
        }
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSONReply.make(value, status: status)
    }
}
