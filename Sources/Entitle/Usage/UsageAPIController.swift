import EntitleStore
import Foundation
import HTTPTypes
public import Hummingbird
import MarketplaceCore
import NIOCore

/// `POST /v1/usage`: the vendor app's usage records, one or a batch (`{"records": [...]}`, at most
/// 1000), behind `Authorization: Bearer <the app's API key>`. 202 with each record's window; 422
/// with each bad record's reasons; 409 when an idempotency key comes back with another body; 400
/// for a malformed body or an unknown field; 413 over 1 MiB. A batch is recorded whole or not at all.
public struct UsageAPIController: Sendable {
    /// Under `/v1`.
    public static let path = "usage"
    public static let maxBodyBytes = 1024 * 1024
    public static let maxRecords = 1000

    let recorder: UsageRecorder
    let metrics: EntitleMetrics

    public init(recorder: UsageRecorder, metrics: EntitleMetrics = EntitleMetrics(enabled: false)) {
        self.recorder = recorder
        self.metrics = metrics
    }

    /// Records by outcome; a refusal by its kind (an unreadable body counts once, its records unknown).
    private func count(_ outcome: String, reason: String = "", _ records: Int = 1) {
        metrics.increment(EntitleMetrics.Name.usageRecords, [("outcome", outcome), ("reason", reason)], by: records)
    }

    /// The window's times as RFC 3339 text (`Timestamp`'s coding), written once per window of a
    /// request rather than twice per record: a batch of 1,000 records shares a few windows.
    struct Result: Codable {
        var idempotencyKey: String
        var status: String
        var windowStart: String
        var windowEnd: String
    }

    struct Accepted: Codable {
        var results: [Result]
    }

    struct Problem: Codable {
        struct Record: Codable {
            var index: Int
            var idempotencyKey: String?
            var reasons: [String]
        }
        var error: String
        /// The HTTP status, as every JSON error of Entitle's says.
        var status: Int = 0
        var records: [Record]?
        var idempotencyKeys: [String]?
    }

    /// On `/v1`, whose group checks the app key (`AppKeyMiddleware`).
    public func register<Parent: RequestContext>(on v1: RouterGroup<AppRequestContext<Parent>>) {
        v1.post(RouterPath(Self.path)) { request, context in
            try context.require(.usageWrite)
            return try await handle(request, app: context.app, access: context.access)
        }
    }

    func handle(_ request: Request, app: String, access: AppAccess = AppAccess.unrestricted) async throws -> Response {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: Self.maxBodyBytes) } catch {
            count("refused", reason: "too_large")
            return try Self.json(
                Problem(error: "a usage request is at most \(Self.maxBodyBytes) bytes"),
                status: .contentTooLarge
            )
        }
        let records: [UsageRecordJSON]
        do { records = try UsageRecordJSON.parse(Data(body.readableBytesView)) } catch {
            count("refused", reason: "malformed")
            return try Self.json(Problem(error: error.message), status: .badRequest)
        }
        guard (1...Self.maxRecords).contains(records.count) else {
            count("refused", reason: "malformed")
            return try Self.json(
                Problem(error: "a batch holds 1 to \(Self.maxRecords) records; this one has \(records.count)"),
                status: .badRequest
            )
        }
        var items: [UsageRecorder.Item] = []
        for record in records {
            switch try await resolve(record) {
            case .success(let submission): items.append(.submission(submission))
            case .failure(let problem): items.append(.unresolvable(problem.message))
            }
        }
        let submissions = items.compactMap { if case .submission(let submission) = $0 { submission } else { nil } }
        if let outside = try await outsideProducts(submissions.map(\.entitlementID), access) {
            count("refused", reason: "forbidden", records.count)
            return try Self.json(
                Problem(error: "entitlement \(outside.rawValue) is of a product the key of app \(app) may not bill"),
                status: .forbidden
            )
        }
        do {
            let outcomes = try await recorder.record(items: items, app: app)
            var texts: [Timestamp: String] = [:]
            func text(_ time: Timestamp) -> String {
                if let known = texts[time] { return known }
                texts[time] = time.rfc3339
                return time.rfc3339
            }
            let results = zip(submissions, outcomes).map { submission, outcome in
                let (status, window) =
                    switch outcome {
                    case .accepted(let window): ("accepted", window)
                    case .duplicate(let window): ("duplicate", window)
                    }
                return Result(
                    idempotencyKey: submission.idempotencyKey,
                    status: status,
                    windowStart: text(window.start),
                    windowEnd: text(window.end)
                )
            }
            let accepted = outcomes.filter { if case .accepted = $0 { true } else { false } }.count
            count("accepted", accepted)
            count("duplicate", outcomes.count - accepted)
            return Response(
                status: .accepted,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: UsageAcceptedBody.bytes(results))
            )
        } catch let rejected as UsageRecorder.Rejected {
            count("refused", reason: "invalid", records.count)
            return try Self.rejected(rejected.problems, records)
        } catch let conflict as UsageConflict {
            count("refused", reason: "conflict", records.count)
            return try Self.json(
                Problem(
                    error: "idempotency keys reused with a different body; nothing was recorded",
                    idempotencyKeys: conflict.idempotencyKeys
                ),
                status: .conflict
            )
        }
    }

    /// The first entitlement of a product the key may not bill, or nil; unknown ones are left to
    /// the recorder, which refuses them with the other reasons a record cannot be billed.
    private func outsideProducts(_ ids: [EntitlementID], _ access: AppAccess) async throws -> EntitlementID? {
        guard access.products != nil else { return nil }
        var seen: Set<EntitlementID> = []
        for id in ids where seen.insert(id).inserted {
            if let local = try await recorder.store.entitlement(id), !access.covers(local.resource) { return id }
        }
        return nil
    }

    struct Unresolved: Error {
        var message: String
    }

    /// The submission a record describes; an account and product name their entitlement.
    private func resolve(_ record: UsageRecordJSON) async throws -> Swift.Result<UsageSubmission, Unresolved> {
        let entitlementID: EntitlementID
        if let id = record.entitlementId {
            guard let parsed = try? EntitlementID(id) else {
                return .failure(Unresolved(message: "entitlementId \(id) is not an entitlement id"))
            }
            entitlementID = parsed
        } else if let account = record.accountId, let product = record.product {
            guard let accountID = try? AccountID(account) else {
                return .failure(Unresolved(message: "accountId \(account) is not an account id"))
            }
            guard let found = try await recorder.entitlement(account: accountID, product: product) else {
                return .failure(
                    Unresolved(
                        message: "account \(account) has no single entitlement for \(product); send entitlementId"
                    )
                )
            }
            entitlementID = found
        } else if let client = record.agentClientId {
            // An ended client's order still takes the usage of its last hours, as an ended order does.
            guard let found = try await recorder.store.agentClient(clientID: client), found.state != .registering
            else {
                return .failure(Unresolved(message: "agentClientId \(client.bounded()) is no agent client"))
            }
            entitlementID = found.entitlementID
        } else {
            return .failure(
                Unresolved(message: "entitlementId, accountId and product, or agentClientId is required")
            )
        }
        var time = recorder.now()
        if let text = record.time {
            guard let parsed = try? Timestamp(rfc3339: text) else {
                return .failure(Unresolved(message: "time \(text) is not RFC 3339"))
            }
            time = parsed
        }
        return .success(
            UsageSubmission(
                entitlementID: entitlementID,
                metric: record.metric,
                quantity: record.quantity,
                time: time,
                timeGiven: record.time != nil,
                idempotencyKey: record.idempotencyKey,
                labels: record.labels ?? [:]
            )
        )
    }

    static func rejected(_ problems: [Int: [String]], _ records: [UsageRecordJSON]) throws -> Response {
        let listed = problems.sorted { $0.key < $1.key }.map {
            Problem.Record(index: $0.key, idempotencyKey: records[$0.key].idempotencyKey, reasons: $0.value)
        }
        return try json(
            Problem(
                error: "\(listed.count) of \(records.count) records cannot be billed; nothing was recorded",
                records: listed
            ),
            status: .unprocessableContent
        )
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSONReply.make(value, status: status)
    }

    /// An error answer: its body says its status too.
    static func json(_ problem: Problem, status: HTTPResponse.Status) throws -> Response {
        var problem = problem
        problem.status = status.code
        return try JSONReply.make(problem, status: status)
    }
}
