import MarketplaceCore

/// Service Control `check` and `report` (contract §5) against the emulator's entitlements.
extension EmulatorState {
    static let serviceConfigID = "emulator-config-1"
    static let serviceRolloutID = "emulator-rollout-1"

    func check(service: String, _ request: CheckRequestJSON) throws(GoogleAPIError) -> CheckResponseJSON {
        let product = try serviceProduct(service)
        guard let operation = request.operation else { throw .invalidArgument("operation is required.") }
        let validated = try ValidatedOperation(operation, forReport: false)
        if let refusal = usage.refusals?[validated.consumerId], refusal.applies(to: "check") { throw refusal.error }
        var errors: [CheckErrorJSON] = []
        switch consumer(validated, product) {
        case .failure(let problem):
            errors.append(
                CheckErrorJSON(
                    code: problem.checkCode,
                    subject: "consumer:\(validated.consumerId)",
                    detail: problem.detail
                )
            )
        case .success(let record):
            if let unknown = unknownMetric(validated, product, record) {
                throw .invalidArgument(
                    "Metric \(unknown) is not defined for plan \(record.resource.plan ?? "") of \(service)."
                )
            }
        }
        return CheckResponseJSON(
            operationId: validated.operationId,
            checkErrors: errors.isEmpty ? nil : errors,
            serviceConfigId: Self.serviceConfigID,
            serviceRolloutId: Self.serviceRolloutID
        )
    }

    /// - Parameters:
    ///   - answerLost: the answer will not reach the caller (recorded with each value).
    ///   - sender: the caller's `User-Agent` (recorded: which of several replicas sent a report).
    func report(
        service: String,
        _ request: ReportRequestJSON,
        answerLost: Bool = false,
        sender: String? = nil
    ) throws(GoogleAPIError)
        -> ReportResponseJSON
    {
        let product = try serviceProduct(service)
        let operations = request.operations ?? []
        guard !operations.isEmpty else { throw .invalidArgument("operations must not be empty.") }
        guard operations.count <= 1000 else {
            throw .invalidArgument("A report holds at most 1000 operations; this one has \(operations.count).")
        }
        // Structural problems refuse the whole request before anything is recorded.
        var validated: [ValidatedOperation] = []
        for operation in operations { validated.append(try ValidatedOperation(operation, forReport: true)) }
        if let refusal = validated.lazy.compactMap({ self.usage.refusals?[$0.consumerId] }).first(where: {
            $0.applies(to: "report")
        }) {
            throw refusal.error
        }
        var errors: [ReportErrorJSON] = []
        let time = now
        for operation in validated {
            switch consumer(operation, product) {
            case .failure(let problem):
                errors.append(
                    ReportErrorJSON(
                        operationId: operation.operationId,
                        status: StatusJSON(code: problem.rpcCode, message: problem.detail)
                    )
                )
            case .success(let record):
                if let unknown = unknownMetric(operation, product, record) {
                    let message = "Metric \(unknown) is not defined for plan \(record.resource.plan ?? "")."
                    errors.append(
                        ReportErrorJSON(
                            operationId: operation.operationId,
                            status: StatusJSON(code: 3, message: message)
                        )
                    )
                } else {
                    usage.record(operation, entitlementID: record.id, answerLost: answerLost, sender: sender, now: time)
                }
            }
        }
        return ReportResponseJSON(
            reportErrors: errors.isEmpty ? nil : errors,
            serviceConfigId: Self.serviceConfigID,
            serviceRolloutId: Self.serviceRolloutID
        )
    }

    /// Sets (or with nil, clears) a scripted check error for a consumer, e.g. BILLING_DISABLED.
    func setCheckFailure(consumerID: String, code: String?) {
        usage.checkFailures[consumerID] = code
    }

    /// Sets (or with nil, clears) a scripted refusal of whole calls about a consumer.
    func setRefusal(consumerID: String, _ refusal: ServiceControlRefusal?) throws(GoogleAPIError) {
        if let refusal {
            guard ServiceControlRefusal.codes[refusal.code] != nil else {
                throw .invalidArgument(
                    "code is one of \(ServiceControlRefusal.codes.keys.sorted().joined(separator: ", ")), or null to clear."
                )
            }
            guard refusal.method.map({ ["check", "report"].contains($0) }) ?? true else {
                throw .invalidArgument("method is check, report or null.")
            }
        }
        var refusals = usage.refusals ?? [:]
        refusals[consumerID] = refusal
        usage.refusals = refusals
    }

    private func serviceProduct(_ service: String) throws(GoogleAPIError) -> Catalog.Product {
        guard let product = catalog.products.first(where: { $0.externalName == service }) else {
            throw .notFound("Service \(service) not found or permission denied.")
        }
        return product
    }

    enum ConsumerProblem: Error {
        case unknown(String)
        case notBillable(String)
        case scripted(code: String, String)

        var checkCode: String {
            switch self {
            case .unknown: "CONSUMER_INVALID"
            case .notBillable: "SERVICE_NOT_ACTIVATED"
            case .scripted(let code, _): code
            }
        }

        /// google.rpc.Code for report errors: INVALID_ARGUMENT or FAILED_PRECONDITION.
        var rpcCode: Int {
            if case .unknown = self { 3 } else { 9 }
        }

        var detail: String {
            switch self {
            case .unknown(let detail), .notBillable(let detail), .scripted(_, let detail): detail
            }
        }
    }

    /// contract §5.2: consumerId is the entitlement's usageReportingId, verbatim, for this service;
    /// usage is billable while the entitlement is in service, and up to its cancellation.
    private func consumer(
        _ operation: ValidatedOperation,
        _ product: Catalog.Product
    ) -> Result<EntitlementRecord, ConsumerProblem> {
        guard let record = consumers[operation.consumerId].flatMap({ entitlements[$0] }), record.productID == product.id
        else {
            return .failure(
                .unknown("No entitlement of \(product.externalName) has usageReportingId \(operation.consumerId).")
            )
        }
        if let code = usage.checkFailures[operation.consumerId] {
            return .failure(.scripted(code: code, "Consumer \(operation.consumerId): \(code)."))
        }
        let billable =
            record.state?.isInService == true || (record.cancelledAt.map { operation.endTime <= $0 } ?? false)
        guard billable else {
            return .failure(
                .notBillable(
                    "Entitlement \(record.id) is \(record.state?.rawValue ?? "unset"); its usage cannot be billed for this window."
                )
            )
        }
        return .success(record)
    }

    /// The first metric not on the entitlement's plan (or its pending plan), named `{service}/{metric}`.
    private func unknownMetric(
        _ operation: ValidatedOperation,
        _ product: Catalog.Product,
        _ record: EntitlementRecord
    ) -> String? {
        let plans = [record.resource.plan, record.resource.newPendingPlan].compactMap { $0 }.compactMap(product.plan)
        let allowed = Set(plans.flatMap(\.metrics).map { "\(product.externalName)/\($0)" })
        return operation.values.map(\.metric).first { !allowed.contains($0) }
    }
}
