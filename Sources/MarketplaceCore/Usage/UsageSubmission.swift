/// One usage record as the vendor's app sends it (`POST /v1/usage`): so much of a metric, used by
/// an entitlement at a time, under an idempotency key the app chooses.
public struct UsageSubmission: Hashable, Sendable, Codable {
    public var entitlementID: EntitlementID
    /// The metric id as in Producer Portal (`requests`), without the service name.
    public var metric: String
    public var quantity: Int64
    public var time: Timestamp
    /// The app stamped the record; false when `time` is the time of receipt. Idempotency compares
    /// what the app sent: a resend without a time is the same record, received later.
    public var timeGiven: Bool
    public var idempotencyKey: String
    public var labels: [String: String]

    public init(
        entitlementID: EntitlementID,
        metric: String,
        quantity: Int64,
        time: Timestamp,
        timeGiven: Bool = true,
        idempotencyKey: String,
        labels: [String: String] = [:]
    ) {
        self.entitlementID = entitlementID
        self.metric = metric
        self.quantity = quantity
        self.time = time
        self.timeGiven = timeGiven
        self.idempotencyKey = idempotencyKey
        self.labels = labels
    }

    /// Labels as one stable string (sorted `key=value` lines), part of what identifies an aggregate.
    public var labelKey: String {
        labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }
}

/// Whether a submission can be billed, and why not: the reasons a 422 lists.
public enum UsageValidation {
    /// How far ahead of Entitle's clock a record may be stamped (clock skew between machines).
    public static let futureTolerance: Int64 = 300

    /// The largest quantity one record may carry unless the vendor sets another: 2^53 − 1, the
    /// largest integer a JavaScript or JSON-as-double client sends exactly. A larger value is far
    /// more often a bug (a timestamp or a byte count in the wrong field) than usage.
    public static let defaultMaxQuantity: Int64 = 9_007_199_254_740_991

    /// - Parameters:
    ///   - entitlement: the entitlement as stored; nil when Entitle does not know it.
    ///   - metrics: the metric ids of its plan (and pending plan), from configuration; nil when the
    ///     product is not configured for usage.
    ///   - finalReported: the entitlement's last usage was already reported (it is cancelled).
    public static func problems(
        _ submission: UsageSubmission,
        entitlement: LocalEntitlement?,
        metrics: Set<String>?,
        finalReported: Bool,
        maxQuantity: Int64 = defaultMaxQuantity,
        now: Timestamp
    ) -> [String] {
        var problems: [String] = []
        if submission.quantity < 0 { problems.append("quantity must not be negative") }
        if submission.quantity > maxQuantity {
            problems.append("quantity \(submission.quantity) is above the maximum of \(maxQuantity) per record")
        }
        if submission.metric.isEmpty { problems.append("metric is required") }
        if submission.idempotencyKey.isEmpty || submission.idempotencyKey.utf8.count > 128 {
            problems.append("idempotencyKey is required, at most 128 bytes")
        }
        if submission.time > now.adding(seconds: futureTolerance) {
            problems.append("time \(submission.time.rfc3339) is in the future")
        }
        problems += UsageLabelRules.problems(submission.labels)
        guard let entitlement, !entitlement.isDeleted else {
            problems.append("entitlement \(submission.entitlementID) is not known to Entitle")
            return problems
        }
        if let created = entitlement.resource.createTime, submission.time < Timestamp(seconds: created.seconds) {
            problems.append(
                "time \(submission.time.rfc3339) is before entitlement \(submission.entitlementID) was created (\(created.rfc3339))"
            )
        }
        if entitlement.resource.usageReportingId?.isEmpty ?? true {
            problems.append(
                "entitlement \(submission.entitlementID) has no usageReportingId: its product is not usage-priced"
            )
        }
        switch entitlement.state {
        case let state? where state.isInService: break
        case .cancelled?:
            if finalReported {
                problems.append(
                    "entitlement \(submission.entitlementID) is cancelled and its final usage was already reported"
                )
            } else if let cancelled = cancellationTime(entitlement), submission.time > cancelled {
                problems.append(
                    "entitlement \(submission.entitlementID) was cancelled at \(cancelled.rfc3339), before this usage"
                )
            }
        case let state:
            problems.append(
                "entitlement \(submission.entitlementID) is \(state?.rawValue ?? "in no state"); usage is billed only while it is in service"
            )
        }
        if let metrics, !submission.metric.isEmpty, !metrics.contains(submission.metric) {
            let plan = entitlement.plan ?? "?"
            problems.append(
                "metric \(submission.metric) is not a metric of plan \(plan) (its metrics: \(metrics.sorted().joined(separator: ", ")))"
            )
        } else if metrics == nil {
            problems.append("product \(entitlement.resource.product ?? "?") has no usage metrics configured")
        }
        return problems
    }

    /// When a cancelled entitlement stopped being billable: the second of its last update (Google's
    /// cancellation), rounded down so that a final window ending there is never after it.
    public static func cancellationTime(_ entitlement: LocalEntitlement) -> Timestamp? {
        guard entitlement.state == .cancelled, let time = entitlement.updateTime else { return nil }
        return Timestamp(seconds: time.seconds)
    }
}
