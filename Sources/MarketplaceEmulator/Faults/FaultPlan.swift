import MarketplaceCore

/// Faults the emulator injects, changeable at runtime (`PUT /emulator/v1/faults`). Seeded, so a
/// failing run can be replayed. Injected errors happen before the call touches any state.
public struct FaultPlan: Codable, Hashable, Sendable {
    /// Which API a rule applies to.
    public enum API: String, Codable, Hashable, Sendable, CaseIterable {
        case procurement, pubsub, serviceControl, oauth, all
    }

    public struct Rule: Codable, Hashable, Sendable {
        public var api: API
        /// Share of calls answered with `status` instead of being served, 0...1.
        public var errorRate: Double?
        /// 429, 500, 502, 503 or 504 (Google's RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE, …);
        /// 404: Google briefly answering NOT_FOUND for a resource that exists; or 403:
        /// PERMISSION_DENIED, as when the service account's role is removed (not retried by clients).
        public var status: Int?
        /// Sent as `Retry-After` on injected errors.
        public var retryAfterSeconds: Int?
        /// Added to every call of the API, in milliseconds, before it is served.
        public var latencyMilliseconds: Int?
        /// Added after the call is served, before its answer goes back, in milliseconds: an answer
        /// slow on the way back, which may no longer be true when it arrives (a read that raced a
        /// change made meanwhile).
        public var answerLatencyMilliseconds: Int?
        /// Share of calls that are served (their effect kept) but answered 500, as when the answer is
        /// lost on the way back: the caller cannot tell whether the call was taken.
        public var lostResponseRate: Double?
        /// Only calls of this method, named as Entitle's metrics name them (`GoogleMethodName`:
        /// `entitlements.get`, `entitlements.approve`, `subscriptions.pull`); nil: every call of the API.
        public var method: String?
        /// The first `after` matching calls are served untouched, the rule applies from the next
        /// one on (counted down as they pass: `GET /emulator/v1/faults` shows how many are left).
        /// With `method`, it faults one step of a sequence: the re-read after an approval, not the
        /// read before it.
        public var after: Int?

        public init(
            api: API,
            errorRate: Double? = nil,
            status: Int? = nil,
            retryAfterSeconds: Int? = nil,
            latencyMilliseconds: Int? = nil,
            lostResponseRate: Double? = nil,
            method: String? = nil,
            after: Int? = nil,
            answerLatencyMilliseconds: Int? = nil
        ) {
            self.api = api
            self.errorRate = errorRate
            self.status = status
            self.retryAfterSeconds = retryAfterSeconds
            self.latencyMilliseconds = latencyMilliseconds
            self.lostResponseRate = lostResponseRate
            self.method = method
            self.after = after
            self.answerLatencyMilliseconds = answerLatencyMilliseconds
        }
    }

    public var seed: UInt64?
    public var rules: [Rule]
    /// Share of Marketplace notifications delivered twice.
    public var duplicateRate: Double?
    /// Share of notifications held back and delivered after later ones (out of order).
    public var holdRate: Double?
    /// Share of acknowledgements answered 200 but dropped, so the message comes again.
    public var lostAckRate: Double?

    public init(
        seed: UInt64? = nil,
        rules: [Rule] = [],
        duplicateRate: Double? = nil,
        holdRate: Double? = nil,
        lostAckRate: Double? = nil
    ) {
        self.seed = seed
        self.rules = rules
        self.duplicateRate = duplicateRate
        self.holdRate = holdRate
        self.lostAckRate = lostAckRate
    }

    /// Checks rates and statuses.
    /// - Throws: 400 INVALID_ARGUMENT naming the bad value.
    func validate() throws(GoogleAPIError) {
        let rates = [duplicateRate, holdRate, lostAckRate] + rules.map(\.errorRate) + rules.map(\.lostResponseRate)
        guard rates.allSatisfy({ ($0 ?? 0) >= 0 && ($0 ?? 0) <= 1 }) else {
            throw .invalidArgument("Fault rates are between 0 and 1.")
        }
        for rule in rules {
            if let status = rule.status, ![403, 404, 429, 500, 502, 503, 504].contains(status) {
                throw .invalidArgument("Injected status \(status) is not one of 403, 404, 429, 500, 502, 503, 504.")
            }
            for (name, value) in [
                ("latencyMilliseconds", rule.latencyMilliseconds),
                ("answerLatencyMilliseconds", rule.answerLatencyMilliseconds),
            ] where (value ?? 0) < 0 || (value ?? 0) > 60_000 {
                throw .invalidArgument("\(name) is between 0 and 60000.")
            }
            if (rule.after ?? 0) < 0 || (rule.after ?? 0) > 1_000_000_000 {
                throw .invalidArgument("after is between 0 and 1000000000.")
            }
            if let method = rule.method, method.isEmpty || !method.contains(".") {
                throw .invalidArgument(
                    "method names a REST method as collection.verb, e.g. entitlements.get; got \"\(method)\"."
                )
            }
            if (rule.retryAfterSeconds ?? 0) < 0 || (rule.retryAfterSeconds ?? 0) > 86_400 {
                throw .invalidArgument("retryAfterSeconds is between 0 and 86400.")
            }
        }
    }

    /// The first rule for the call's API and method (one naming the API before one for all);
    /// its index, so that its `after` can be counted down.
    func ruleIndex(for api: API, method: String) -> Int? {
        let matching = rules.indices.filter { rules[$0].method == nil || rules[$0].method == method }
        return matching.first { rules[$0].api == api } ?? matching.first { rules[$0].api == .all }
    }
}
