import Foundation
import Hummingbird
import MarketplaceCore

/// Service Control v1 on Google's paths (`v1/services/{serviceName}:check|:report`, contract §5)
/// and the emulator's view of what was reported (`/emulator/v1/usage-reports`).
struct ServiceControlRoutes {
    let state: EmulatorState
    /// contract §5.3: check and report requests are at most 1 MB.
    static let maxRequestBytes = 1024 * 1024

    struct UsageReports: Codable {
        var records: [UsageRecord]
        /// consumerId → metric → sum of counted int64 values.
        var totals: [String: [String: Int64]]
    }

    struct CheckFailure: Codable {
        var consumerId: String
        /// A CheckError code such as BILLING_DISABLED; null clears it.
        var code: String?
    }

    struct Refusal: Codable {
        var consumerId: String
        /// INVALID_ARGUMENT, FAILED_PRECONDITION, UNAUTHENTICATED or PERMISSION_DENIED; null clears.
        var code: String?
        /// check, report, or null for both.
        var method: String?
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("v1/services/:service") { request, context in
            let (service, verb) = try context.resourceAndVerb("service")
            let tooLarge = GoogleAPIError.invalidArgument(
                "Request payload size exceeds the limit: \(Self.maxRequestBytes) bytes."
            )
            switch verb {
            case "check":
                let body = try await RequestDecoding.decode(
                    CheckRequestJSON.self,
                    from: request,
                    schema: "servicecontrol.CheckRequest",
                    allowEmpty: false,
                    maxBytes: Self.maxRequestBytes,
                    tooLarge: tooLarge
                )
                return try JSONResponse.make(try await state.check(service: service, body))
            case "report":
                let body = try await RequestDecoding.decode(
                    ReportRequestJSON.self,
                    from: request,
                    schema: "servicecontrol.ReportRequest",
                    allowEmpty: false,
                    maxBytes: Self.maxRequestBytes,
                    tooLarge: tooLarge
                )
                let sender = request.headers[.userAgent]
                return try JSONResponse.make(
                    try await state.report(
                        service: service,
                        body,
                        answerLost: FaultContext.answerWillBeLost,
                        sender: sender
                    )
                )
            default:
                throw GoogleAPIError.notFound("Method \(verb ?? "(none)") not found for services.")
            }
        }
        router.get("emulator/v1/usage-reports") { _, _ in
            let ledger = await state.usage
            return try JSONResponse.make(UsageReports(records: ledger.records, totals: ledger.totals))
        }
        router.post("emulator/v1/check-errors") { request, _ in
            let body = try await RequestDecoding.decode(CheckFailure.self, from: request, allowEmpty: false)
            await state.setCheckFailure(consumerID: body.consumerId, code: body.code)
            return try JSONResponse.make(EmptyResponse())
        }
        router.post("emulator/v1/refusals") { request, _ in
            let body = try await RequestDecoding.decode(Refusal.self, from: request, allowEmpty: false)
            try await state.setRefusal(
                consumerID: body.consumerId,
                body.code.map { ServiceControlRefusal(code: $0, method: body.method) }
            )
            return try JSONResponse.make(EmptyResponse())
        }
    }
}
