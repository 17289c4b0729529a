import Foundation
import Hummingbird
import MarketplaceCore

/// The Procurement API v1 on Google's paths (contract §3): 12 methods, Google's error shape.
struct ProcurementRoutes {
    let state: EmulatorState

    func register(on router: Router<BasicRequestContext>) {
        let accounts = "v1/providers/:provider/accounts"
        let entitlements = "v1/providers/:provider/entitlements"
        router.get(RouterPath(accounts)) { request, context in try await listAccounts(request, context) }
        router.get(RouterPath(accounts + "/:account")) { request, context in try await getAccount(context) }
        router.post(RouterPath(accounts + "/:account")) { request, context in try await accountAction(request, context)
        }
        router.get(RouterPath(entitlements)) { request, context in try await listEntitlements(request, context) }
        router.get(RouterPath(entitlements + "/:entitlement")) { request, context in try await getEntitlement(context) }
        router.patch(RouterPath(entitlements + "/:entitlement")) { request, context in
            try await patchEntitlement(request, context)
        }
        router.post(RouterPath(entitlements + "/:entitlement")) { request, context in
            try await entitlementAction(request, context)
        }
    }

    private func provider(_ context: BasicRequestContext) async throws -> String {
        let provider = context.parameters.get("provider") ?? ""
        try await state.requireProvider(provider)
        return provider
    }

    // MARK: Accounts

    private func listAccounts(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try await provider(context)
        let pageSize = try request.integerQuery("pageSize", in: 0...Int.max) ?? 0
        let page = try await state.listAccounts(pageSize: pageSize, pageToken: request.query("pageToken"))
        return try JSONResponse.make(page)
    }

    private func getAccount(_ context: BasicRequestContext) async throws -> Response {
        _ = try await provider(context)
        let (id, verb) = try context.resourceAndVerb("account")
        guard verb == nil else { throw GoogleAPIError.notFound("Method not found.") }
        return try JSONResponse.make(try await state.account(id).resource)
    }

    private func accountAction(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try await provider(context)
        let (id, verb) = try context.resourceAndVerb("account")
        switch verb {
        case "approve":
            try await state.approveAccount(
                id,
                try await RequestDecoding.decode(
                    ApproveAccountRequest.self,
                    from: request,
                    schema: "cloudcommerceprocurement.ApproveAccountRequest"
                )
            )
        case "reject":
            try await state.rejectAccount(
                id,
                try await RequestDecoding.decode(
                    RejectAccountRequest.self,
                    from: request,
                    schema: "cloudcommerceprocurement.RejectAccountRequest"
                )
            )
        case "reset":
            _ = try await RequestDecoding.decode(
                ResetAccountRequest.self,
                from: request,
                schema: "cloudcommerceprocurement.ResetAccountRequest"
            )
            try await state.resetAccount(id)
        default: throw GoogleAPIError.notFound("Method \(verb ?? "(none)") not found for accounts.")
        }
        return try JSONResponse.make(EmptyResponse())
    }

    // MARK: Entitlements

    private func listEntitlements(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try await provider(context)
        let filter = try EntitlementFilter(parsing: request.query("filter") ?? "")
        let pageSize = try request.integerQuery("pageSize", in: 0...Int.max) ?? 0
        let page = try await state.listEntitlements(
            filter: filter,
            pageSize: pageSize,
            pageToken: request.query("pageToken")
        )
        return try JSONResponse.make(page)
    }

    private func getEntitlement(_ context: BasicRequestContext) async throws -> Response {
        _ = try await provider(context)
        let (id, verb) = try context.resourceAndVerb("entitlement")
        guard verb == nil else { throw GoogleAPIError.notFound("Method not found.") }
        return try JSONResponse.make(try await state.entitlement(id).resource)
    }

    private func patchEntitlement(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try await provider(context)
        let (id, _) = try context.resourceAndVerb("entitlement")
        let patch = try await RequestDecoding.decode(
            Entitlement.self,
            from: request,
            schema: "cloudcommerceprocurement.Entitlement",
            allowEmpty: false
        )
        let updated = try await state.patchEntitlement(id, updateMask: request.query("updateMask"), patch)
        return try JSONResponse.make(updated)
    }

    private func entitlementAction(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try await provider(context)
        let (id, verb) = try context.resourceAndVerb("entitlement")
        switch verb {
        case "approve":
            _ = try await RequestDecoding.decode(
                ApproveEntitlementRequest.self,
                from: request,
                schema: "cloudcommerceprocurement.ApproveEntitlementRequest"
            )
            try await state.approveEntitlement(id)
        case "reject":
            try await state.rejectEntitlement(
                id,
                reason: try await RequestDecoding.decode(
                    RejectEntitlementRequest.self,
                    from: request,
                    schema: "cloudcommerceprocurement.RejectEntitlementRequest"
                ).reason
            )
        case "approvePlanChange":
            let body = try await RequestDecoding.decode(
                ApproveEntitlementPlanChangeRequest.self,
                from: request,
                schema: "cloudcommerceprocurement.ApproveEntitlementPlanChangeRequest"
            )
            try await state.approvePlanChange(id, pendingPlanName: body.pendingPlanName)
        case "rejectPlanChange":
            let body = try await RequestDecoding.decode(
                RejectEntitlementPlanChangeRequest.self,
                from: request,
                schema: "cloudcommerceprocurement.RejectEntitlementPlanChangeRequest"
            )
            try await state.rejectPlanChange(id, pendingPlanName: body.pendingPlanName)
        case "suspend":
            _ = try await state.entitlement(id)
            // contract §1.3: documented by Google as not yet supported.
            throw GoogleAPIError.unimplemented("Suspending entitlements is not supported.")
        default:
            throw GoogleAPIError.notFound("Method \(verb ?? "(none)") not found for entitlements.")
        }
        return try JSONResponse.make(EmptyResponse())
    }
}
