import Foundation
import MarketplaceCore

/// The buyer simulator's HTML: what a customer sees in the Marketplace console, reduced to forms.
/// Every value is escaped; the pages run no script but the one that submits the sign-up form.
enum BuyerPages {
    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    static func page(title: String, _ body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}form{display:inline}</style></head>
        <body><h1>\(escape(title))</h1>
        \(body)
        </body></html>
        """
    }

    /// The catalog with a buy form per plan, the clock, and every entitlement with its actions.
    static func home(
        catalog: Catalog,
        snapshot: EmulatorStateReport,
        signupURL: String,
        agent: (targetURL: String, audience: String) = ("", "")
    ) -> String {
        var body =
            "<p>Emulated Google Cloud Marketplace. Time: \(escape(snapshot.now.rfc3339)). Sign-up URL: \(escape(signupURL))</p>"
        body += "<h2>Buy</h2><table><tr><th>product</th><th>plan</th><th></th></tr>"
        for product in catalog.products {
            for plan in product.plans {
                body += """
                    <tr><td>\(escape(product.externalName))</td><td>\(escape(plan.id))</td><td>
                    <form method="post" action="/emulator/buy">
                    <input type="hidden" name="product" value="\(escape(product.id))"><input type="hidden" name="plan" value="\(escape(plan.id))">
                    account <input name="account" placeholder="new account" size="14">
                    private offer <input name="offerDuration" placeholder="e.g. P1Y" size="6">
                    <button>Buy</button></form></td></tr>
                    """
            }
        }
        body +=
            "</table><h2>Clock</h2><form method=\"post\" action=\"/emulator/clock\"><input name=\"duration\" value=\"P1M\" size=\"6\"><button>Advance</button></form>"
        body +=
            "<h2>Entitlements</h2><table><tr><th>entitlement</th><th>account</th><th>product</th><th>plan</th><th>state</th><th>actions</th></tr>"
        for entitlement in snapshot.entitlements.reversed() {
            let id = escape(entitlement.id?.rawValue ?? "")
            let account = escape(entitlement.accountID?.rawValue ?? "")
            let product = catalog.product(entitlement.product ?? "")
            let otherPlans = (product?.plans ?? []).filter { $0.id != entitlement.plan }
            var actions = ""
            if entitlement.state == .active {
                let options = otherPlans.map { "<option>\(escape($0.id))</option>" }.joined()
                actions +=
                    "<form method=\"post\" action=\"/emulator/entitlements/\(id)/change-plan\"><select name=\"plan\">\(options)</select><button>Change plan</button></form> "
                actions +=
                    "<form method=\"post\" action=\"/emulator/entitlements/\(id)/cancel\"><button>Cancel</button></form>"
                actions += addAgentForm(id, agent)
            }
            if entitlement.state == .pendingCancellation {
                actions +=
                    "<form method=\"post\" action=\"/emulator/entitlements/\(id)/revert-cancellation\"><button>Revert cancellation</button></form>"
            }
            actions +=
                " <form method=\"post\" action=\"/emulator/accounts/\(account)/signup\"><button>Sign up again</button></form>"
            let plan = escape(entitlement.plan ?? "") + (entitlement.newPendingPlan.map { " → " + escape($0) } ?? "")
            let state = escape(entitlement.state?.rawValue ?? "") + waitingNote(entitlement)
            let service = escape(entitlement.productExternalName ?? "")
            body +=
                "<tr><td>\(id)</td><td>\(account)</td><td>\(service)</td><td>\(plan)</td>"
                + "<td>\(state)</td><td>\(actions)</td></tr>"
        }
        return page(title: "Marketplace emulator", body + "</table>")
    }

    /// What a buyer does in Gemini Enterprise with an agent they bought: add it, which registers
    /// Gemini Enterprise with the vendor at the card's target URL.
    static func addAgentForm(_ id: String, _ agent: (targetURL: String, audience: String)) -> String {
        """
         <form method="post" action="/emulator/entitlements/\(id)/add-agent">\
        <input name="targetURL" value="\(escape(agent.targetURL))" placeholder="target_url" size="24">\
        <input name="audience" value="\(escape(agent.audience))" placeholder="provider.url" size="18">\
        <button>Add to Gemini Enterprise</button></form>
        """
    }

    /// What the vendor answered Gemini Enterprise's registration.
    static func agentAdded(_ answer: AgentRegistrationAnswer) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let body = answer.body.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        let outcome = answer.clientID.map { "Registered: client \(escape($0))." } ?? "Not registered."
        return page(
            title: "Gemini Enterprise registration",
            """
            <p>\(outcome) The vendor answered \(answer.status).</p>
            <pre>\(escape(body ?? answer.text ?? ""))</pre>
            <p><a href="/emulator">Back to the emulator</a></p>
            """
        )
    }

    /// The vendor's word to a buyer waiting on them, as Marketplace shows it under the order.
    static func waitingNote(_ entitlement: Entitlement) -> String {
        guard let message = entitlement.messageToUser, !message.isEmpty else { return "" }
        return "<p class=\"message\">From the provider: \(escape(message))</p>"
    }

    /// What Marketplace does when the buyer clicks "Sign up with the provider": the browser POSTs
    /// the token to the vendor's sign-up URL (contract §4.1).
    static func signupRedirect(token: String, signupURL: String) -> String {
        page(
            title: "Redirecting to the provider's sign-up page",
            """
            <form method="post" action="\(escape(signupURL))">
            <input type="hidden" name="x-gcp-marketplace-token" value="\(escape(token))">
            <noscript><button>Continue to sign-up</button></noscript></form>
            <script>document.forms[0].submit()</script>
            <p><a href="/emulator">Back to the emulator</a></p>
            """
        )
    }
}
