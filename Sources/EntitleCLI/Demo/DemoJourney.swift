import Foundation
import MarketplaceCore
import MarketplaceEmulator
import NIOHTTP1

/// `entitle demo`'s scripted customer journey, driven over HTTP exactly as a buyer (through the
/// emulator's buyer API and Entitle's sign-up page) and an administrator (through the admin API)
/// would: purchase, sign-up, activation, plan change, private-offer replacement, cancellation,
/// deletion. Each step waits for Entitle's store (read through the admin API) to show its effect;
/// the last step compares Entitle's view with the emulator's.
struct DemoJourney: Sendable {
    struct Product: Sendable {
        var id: String
        var plan: String
        var changeTo: String
        /// The product's approval policy in Entitle is manual: the demo approves as an admin.
        var manual: Bool

        init(id: String, plan: String, changeTo: String, manual: Bool) {
            self.id = id
            self.plan = plan
            self.changeTo = changeTo
            self.manual = manual
        }
    }

    let emulator: URL
    let entitle: URL
    let adminToken: String
    let http = DemoHTTP()
    var control: EmulatorControlClient { EmulatorControlClient(baseURL: emulator) }
    let log: @Sendable (String) -> Void

    init(emulator: URL, entitle: URL, adminToken: String, log: @escaping @Sendable (String) -> Void) {
        self.emulator = emulator
        self.entitle = entitle
        self.adminToken = adminToken
        self.log = log
    }

    struct Local: Decodable {
        var resource: Entitlement
        var isDeleted: Bool
    }

    struct Detail: Decodable {
        var entitlement: Local
    }

    /// Runs the journey for `product`; throws `DemoFailure` at the first step that does not hold.
    func run(_ product: Product) async throws {
        log("\(product.id) (\(product.manual ? "manual" : "automatic after sign-up") approval)")
        let purchase = try await control.buy(product: product.id, plan: product.plan)
        let id = purchase.entitlementId
        log("  1. purchased \(product.plan): entitlement \(id), account \(purchase.accountId)")
        try await signUp(purchase)
        log("  2. signed up on the sign-up page; account approved")
        if product.manual {
            _ = try await waitFor(id, "ENTITLEMENT_ACTIVATION_REQUESTED") { $0.resource.state == .activationRequested }
            try await admin(id, "approve")
            log("     an administrator approved the order")
        }
        _ = try await waitFor(id, "ENTITLEMENT_ACTIVE") { $0.resource.state == .active }
        log("  3. active")
        try await changePlan(id, to: product.changeTo, manual: product.manual) {
            $0.resource.plan == product.changeTo && $0.resource.state == .active
        }
        log("  4. plan changed to \(product.changeTo)")
        let offer = "projects/demo/services/\(product.id)/privateOffers/replacement-1"
        let isReplaced: @Sendable (Local) -> Bool = {
            $0.resource.offer == offer || $0.resource.newPendingOffer == offer
        }
        try await changePlan(
            id,
            offer: OfferTerms(name: offer, duration: "P1Y"),
            manual: product.manual,
            until: isReplaced
        )
        let replaced = try await waitFor(id, "offer \(offer)", isReplaced)
        if replaced.resource.offer != offer {
            try await advance("P1M")
            _ = try await waitFor(id, "offer \(offer) in effect") { $0.resource.offer == offer }
        }
        log("  5. private offer replaced by \(offer) (one year)")
        try await control.cancel(id, immediately: true)
        _ = try await waitFor(id, "ENTITLEMENT_CANCELLED") { $0.resource.state == .cancelled }
        log("  6. cancelled")
        try await advance("P31D")
        _ = try await waitFor(id, "deleted") { $0.isDeleted }
        log("  7. deleted by Google after the purge period; Entitle marked it deleted")
        let state = try await control.state()
        guard !state.entitlements.contains(where: { $0.id?.rawValue == id }) else {
            throw DemoFailure("the emulator still lists \(id)")
        }
        log("  final states match: gone at Google, deleted in Entitle")
    }

    private func signUp(_ purchase: EmulatorPurchase) async throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let token = purchase.signupToken.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        let page = try await http.send(
            .POST,
            entitle.appendingPathComponent("signup"),
            form: "x-gcp-marketplace-token=\(token)"
        )
        guard page.status == 200 else {
            throw DemoFailure("sign-up page: HTTP \(page.status) \(page.text.prefix(200))")
        }
        func hidden(_ name: String) throws -> String {
            guard let range = page.text.range(of: #"name="\#(name)" value=""#) else {
                throw DemoFailure("the sign-up page has no \(name) field")
            }
            return String(page.text[range.upperBound...].prefix { $0 != "\"" })
        }
        let csrf = try hidden("csrf")
        let form =
            "session=\(try hidden("session"))&csrf=\(csrf)&company=Demo%20Ltd&contactName=Demo%20Buyer&email=buyer%40demo.example.com"
        let done = try await http.send(
            .POST,
            entitle.appendingPathComponent("signup/complete"),
            form: form,
            headers: ["Cookie": "entitle_signup=\(csrf)"]
        )
        guard done.status == 303 else {
            throw DemoFailure("sign-up form: HTTP \(done.status) \(done.text.prefix(200))")
        }
    }

    /// Requests a plan change as the buyer, approves it as an administrator when the product is
    /// manual and Google waits for that (auto-approved private offers do not), then waits for `done`.
    private func changePlan(
        _ id: String,
        to plan: String? = nil,
        offer: OfferTerms? = nil,
        manual: Bool,
        until done: @escaping @Sendable (Local) -> Bool
    ) async throws {
        try await control.changePlan(id, to: plan, offer: offer)
        let seen = try await waitFor(id, "the change requested") {
            done($0) || (manual && $0.resource.state == .pendingPlanChangeApproval)
        }
        if manual, !done(seen) {
            try await admin(id, "approve-plan-change")
            log("     an administrator approved the change")
            _ = try await waitFor(id, "the change approved", done)
        }
    }

    private func admin(_ id: String, _ verb: String) async throws {
        let reply = try await http.send(
            .POST,
            entitle.appendingPathComponent("api/admin/entitlements/\(id)/\(verb)"),
            json: [String: String](),
            headers: ["Authorization": "Bearer \(adminToken)"]
        )
        guard reply.status == 200 else {
            throw DemoFailure("admin \(verb): HTTP \(reply.status) \(reply.text.prefix(200))")
        }
    }

    private func advance(_ duration: String) async throws {
        try await control.advanceClock(by: duration)
    }

    /// Polls the admin API until the stored entitlement satisfies `condition` (at most 20 s).
    private func waitFor(_ id: String, _ what: String, _ condition: @Sendable (Local) -> Bool) async throws -> Local {
        let deadline = ContinuousClock.now + .seconds(20)
        var last = "nothing stored"
        while ContinuousClock.now < deadline {
            let reply = try await http.send(
                .GET,
                entitle.appendingPathComponent("api/admin/entitlements/\(id)"),
                headers: ["Authorization": "Bearer \(adminToken)"]
            )
            if reply.status == 200 {
                let detail = try reply.decode(Detail.self)
                if condition(detail.entitlement) { return detail.entitlement }
                last =
                    "\(detail.entitlement.resource.state?.rawValue ?? "no state"), plan \(detail.entitlement.resource.plan ?? "none")"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DemoFailure("\(id) never reached \(what) in Entitle (last seen: \(last))")
    }
}
