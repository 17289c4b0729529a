import Foundation
import Hummingbird
import MarketplaceCore
import NIOCore

/// The buyer page at `/emulator`: a person does in a browser what the control API does.
struct BuyerPageRoutes {
    let state: EmulatorState
    let signupURL: String
    /// The defaults of the "Add to Gemini Enterprise" form: the card's target URL and provider URL.
    let agent: (targetURL: String, audience: String)

    func register(on router: Router<BasicRequestContext>) {
        router.get("emulator") { _, _ in
            html(
                BuyerPages.home(
                    catalog: state.catalog,
                    snapshot: await state.report(),
                    signupURL: signupURL,
                    agent: agent
                )
            )
        }
        router.post("emulator/entitlements/:id/add-agent") { request, context in
            let form = try await FormBody.read(request)
            let answer = try await GeminiEnterprise(state: state).register(
                entitlementID: context.parameters.get("id") ?? "",
                AgentRegistrationRequest(targetURL: form["targetURL"] ?? "", audience: form["audience"] ?? "")
            )
            return html(BuyerPages.agentAdded(answer))
        }
        router.post("emulator/buy") { request, _ in
            let form = try await FormBody.read(request)
            let offer = (form["offerDuration"] ?? "").isEmpty ? nil : OfferTerms(duration: form["offerDuration"])
            let account = (form["account"] ?? "").isEmpty ? nil : form["account"]
            let purchase = try await state.buy(
                accountID: account,
                productID: form["product"] ?? "",
                planID: form["plan"] ?? "",
                offer: offer,
                consumerProject: nil
            )
            return html(
                BuyerPages.signupRedirect(
                    token: try await state.signupToken(accountID: purchase.accountID),
                    signupURL: signupURL
                )
            )
        }
        router.post("emulator/accounts/:id/signup") { _, context in
            let id = context.parameters.get("id") ?? ""
            _ = try await state.account(id)
            return html(
                BuyerPages.signupRedirect(token: try await state.signupToken(accountID: id), signupURL: signupURL)
            )
        }
        router.post("emulator/entitlements/:id/:action") { request, context in
            let id = context.parameters.get("id") ?? ""
            switch context.parameters.get("action") {
            case "change-plan":
                try await state.requestPlanChange(id, planID: try await FormBody.read(request)["plan"], offer: nil)
            case "cancel": try await state.cancel(id, immediately: nil)
            case "revert-cancellation": try await state.revertCancellation(id)
            default: throw GoogleAPIError.notFound("No such action.")
            }
            return Self.backHome()
        }
        router.post("emulator/clock") { request, _ in
            try await state.advanceClock(
                by: try ControlRoutes.duration(try await FormBody.read(request)["duration"] ?? "")
            )
            return Self.backHome()
        }
    }

    private func html(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// Post/redirect/get, so a reload does not repeat the action.
    private static func backHome() -> Response {
        Response(status: .seeOther, headers: [.location: "/emulator"])
    }
}
