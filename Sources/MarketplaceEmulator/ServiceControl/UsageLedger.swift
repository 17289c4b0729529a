public import MarketplaceCore

/// Every metric value Service Control accepted, as the emulator's record of what would be billed.
/// A repeated `operationId` is kept as a duplicate and never counted twice.
public struct UsageRecord: Codable, Hashable, Sendable {
    public var operationId: String
    public var consumerId: String
    public var entitlementId: String
    public var metric: String
    public var value: Int64?
    public var doubleValue: Double?
    public var startTime: Timestamp
    public var endTime: Timestamp
    public var userLabels: [String: String]?
    public var receivedAt: Timestamp
    /// The operation id had been reported before; this value does not count.
    public var duplicate: Bool
    /// The report was served but its answer replaced by a 500 (fault `lostResponseRate`): the
    /// caller could not know it was taken, so a resend of this operation is expected. A resend
    /// after an answered report is the caller's bug. (nil in state files of older versions.)
    public var answerLost: Bool?
    /// The sender's `User-Agent` (Entitle names its replica there).
    public var sender: String?
}

/// What the emulator accepted, in order, with totals per consumer and metric.
struct UsageLedger: Codable, Sendable {
    private(set) var records: [UsageRecord] = []
    private var reported: Set<String> = []
    /// Scripted `checkErrors` per consumerId (BILLING_DISABLED and friends), until cleared.
    var checkFailures: [String: String] = [:]
    /// Scripted refusals of whole calls about a consumerId (nil in state files of older versions).
    var refusals: [String: ServiceControlRefusal]?

    mutating func record(
        _ operation: ValidatedOperation,
        entitlementID: String,
        answerLost: Bool,
        sender: String?,
        now: Timestamp
    ) {
        let duplicate = !reported.insert(operation.operationId).inserted
        for value in operation.values {
            records.append(
                UsageRecord(
                    operationId: operation.operationId,
                    consumerId: operation.consumerId,
                    entitlementId: entitlementID,
                    metric: value.metric,
                    value: value.int64,
                    doubleValue: value.double,
                    startTime: operation.startTime,
                    endTime: operation.endTime,
                    userLabels: operation.userLabels,
                    receivedAt: now,
                    duplicate: duplicate,
                    answerLost: answerLost,
                    sender: sender
                )
            )
        }
    }

    /// Sum of counted (non-duplicate) int64 values per `consumerId` and metric.
    var totals: [String: [String: Int64]] {
        var totals: [String: [String: Int64]] = [:]
        for record in records where !record.duplicate {
            totals[record.consumerId, default: [:]][record.metric, default: 0] += record.value ?? 0
        }
        return totals
    }
}

/// A scripted refusal of every `check` or `report` request that names a consumer, as Google
/// answers a request it will not take at all: `INVALID_ARGUMENT` (400), `FAILED_PRECONDITION`
/// (400), `UNAUTHENTICATED` (401), `PERMISSION_DENIED` (403).
struct ServiceControlRefusal: Codable, Hashable, Sendable {
    static let codes = [
        "INVALID_ARGUMENT": 400, "FAILED_PRECONDITION": 400, "UNAUTHENTICATED": 401, "PERMISSION_DENIED": 403,
    ]

    var code: String
    /// `check`, `report`, or nil for both.
    var method: String?

    func applies(to method: String) -> Bool { self.method == nil || self.method == method }

    var error: GoogleAPIError {
        GoogleAPIError(
            code: Self.codes[code] ?? 400,
            status: code,
            message: "Refused by the emulator's script (\(code))."
        )
    }
}

/// Whether the answer to the call being served will be lost (fault `lostResponseRate`), so that
/// what the call records can say so.
enum FaultContext {
    @TaskLocal static var answerWillBeLost = false
}
