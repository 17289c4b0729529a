import Foundation
import Hummingbird
import MarketplaceCore

/// The emulator's own control API under `/emulator/v1`: what a customer does in the Marketplace
/// console, time travel, and a view of the whole state. Not a Google API.
struct ControlRoutes {
    let state: EmulatorState
    let signupURL: String

    struct PlanChangeRequest: Codable {
        var plan: String?
        var offer: OfferTerms?
    }

    struct CancelRequest: Codable {
        var immediately: Bool?
    }

    struct AdvanceRequest: Codable {
        var seconds: Int64?
        /// ISO 8601, e.g. `P1M`; added to the current time with calendar rules.
        var duration: String?
    }

    struct ClockResponse: Codable {
        var now: Timestamp
    }

    func register(on router: Router<BasicRequestContext>) {
        let group = router.group("emulator/v1")
        group.post("purchases") { request, _ in
            let body = try await RequestDecoding.decode(EmulatorPurchaseRequest.self, from: request, allowEmpty: false)
            let purchase = try await state.buy(
                accountID: body.account,
                productID: body.product,
                planID: body.plan,
                offer: body.offer,
                consumerProject: body.consumerProject
            )
            return try await purchaseResponse(purchase)
        }
        group.post("entitlements/:id/change-plan") { request, context in
            let body = try await RequestDecoding.decode(PlanChangeRequest.self, from: request, allowEmpty: false)
            try await state.requestPlanChange(try id(context), planID: body.plan, offer: body.offer)
            return try await entitlementResponse(context)
        }
        group.post("entitlements/:id/withdraw-plan-change") { _, context in
            try await state.withdrawPlanChange(try id(context))
            return try await entitlementResponse(context)
        }
        group.post("entitlements/:id/cancel") { request, context in
            let body = try await RequestDecoding.decode(CancelRequest.self, from: request)
            try await state.cancel(try id(context), immediately: body.immediately)
            return try await entitlementResponse(context)
        }
        group.post("entitlements/:id/migrate") { _, context in
            let purchase = try await state.migrate(try id(context))
            return try await purchaseResponse(purchase)
        }
        group.post("entitlements/:id/revert-cancellation") { _, context in
            try await state.revertCancellation(try id(context))
            return try await entitlementResponse(context)
        }
        group.post("accounts/:id/delete") { _, context in
            try await state.deleteAccount(try id(context))
            return try JSONResponse.make(EmptyResponse())
        }
        group.get("clock") { _, _ in try JSONResponse.make(ClockResponse(now: await state.now)) }
        group.post("clock/advance") { request, _ in
            let body = try await RequestDecoding.decode(AdvanceRequest.self, from: request, allowEmpty: false)
            try await advance(body)
            return try JSONResponse.make(ClockResponse(now: await state.now))
        }
        group.get("state") { _, _ in try JSONResponse.make(await state.report()) }
        group.get("faults") { _, _ in try JSONResponse.make(await state.faults) }
        group.put("faults") { request, _ in
            let plan = try await RequestDecoding.decode(FaultPlan.self, from: request, allowEmpty: false)
            try await state.setFaults(plan)
            return try JSONResponse.make(plan)
        }
    }

    private func purchaseResponse(_ purchase: EmulatorState.Purchase) async throws -> Response {
        try JSONResponse.make(
            EmulatorPurchase(
                accountId: purchase.accountID,
                entitlementId: purchase.entitlementID,
                account: try await state.account(purchase.accountID).resource,
                entitlement: try await state.entitlement(purchase.entitlementID).resource,
                signupToken: try await state.signupToken(accountID: purchase.accountID),
                signupURL: signupURL
            ),
            status: .created
        )
    }

    private func id(_ context: BasicRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty else {
            throw GoogleAPIError.invalidArgument("Missing id.")
        }
        return id
    }

    private func entitlementResponse(_ context: BasicRequestContext) async throws -> Response {
        try JSONResponse.make(try await state.entitlement(try id(context)).resource)
    }

    private func advance(_ body: AdvanceRequest) async throws {
        switch (body.seconds, body.duration) {
        case (let seconds?, nil):
            try await state.advanceClock(seconds: seconds)
        case (nil, let text?):
            try await state.advanceClock(by: try Self.duration(text))
        default:
            throw GoogleAPIError.invalidArgument("Give either seconds or duration.")
        }
    }

    /// An ISO 8601 duration from a request, or 400 INVALID_ARGUMENT saying what is wrong.
    static func duration(_ text: String) throws(GoogleAPIError) -> ISO8601Duration {
        do { return try ISO8601Duration(parsing: text) } catch { throw .invalidArgument("\(error)") }
    }
}

extension EmulatorState {
    func report() -> EmulatorStateReport {
        EmulatorStateReport(
            now: now,
            accounts: accountOrder.compactMap { accounts[$0]?.resource },
            entitlements: entitlementOrder.compactMap { entitlements[$0]?.resource },
            subscriptions: pubsub.subscriptions.mapValues {
                EmulatorStateReport.SubscriptionCounts(
                    ready: $0.ready.count,
                    leased: $0.leased.count,
                    held: $0.held.count
                )
            }
        )
    }
}
