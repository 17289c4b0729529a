import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

@testable import Entitle

/// The admin console over HTTP: sign-in with a session cookie, CSRF on every form,
/// sign-out ending the session, a manual approval from the console reaching Google, a callback
/// sent again, and customers' names shown as text on every page that names them. CI also drives
/// it in headless Chromium (Interop/console).
@Suite(.paced) struct ConsoleTests {
    static let token = "console-admin-token-0123456789abcdef"
    static let script = "<script>alert(1)</script>"

    /// A browser: keeps the console cookie, posts forms.
    struct Browser {
        let site: JSONHTTPClient
        var cookie: String?

        func get(_ path: String) async throws -> HTTPReply {
            try await site.send("GET", path, headers: cookie.map { ["Cookie": $0] } ?? [:])
        }

        func post(_ path: String, _ fields: [(String, String)]) async throws -> HTTPReply {
            var headers = ["Content-Type": "application/x-www-form-urlencoded"]
            if let cookie { headers["Cookie"] = cookie }
            return try await site.send("POST", path, raw: SignupDriver.form(fields), headers: headers)
        }

        mutating func signIn() async throws -> String {
            let reply = try await post("admin/sign-in", [("token", ConsoleTests.token)])
            #expect(reply.status == 303 && reply.headers["location"] == "/admin", "\(reply)")
            let header = try #require(reply.headers["set-cookie"])
            #expect(
                header.contains("HttpOnly") && header.contains("SameSite=Strict") && header.contains("Max-Age=28800"),
                "\(header)"
            )
            #expect(!header.contains("Secure"), "plain http on loopback: the cookie could not come back if Secure")
            cookie = String(header.split(separator: ";")[0])
            let overview = try await get("admin")
            return try #require(SignupDriver.hidden("csrf", in: overview.text), "\(overview)")
        }
    }

    static let iapAudience = "/projects/123456/apps/vendor-console"
    static let iapUser = "ops@vendor.example.com"

    func withConsole(
        callbackURL: String? = nil,
        iap: Bool = false,
        _ body: @Sendable (RunningEntitle, RunningEmulator) async throws -> Void
    ) async throws {
        try await TemporaryDatabase.withPath { path in
            var options = EmulatorOptions()
            options.pullWait = .milliseconds(100)
            try await EmulatorHarness.withEmulator(options) { running in
                try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                    configuration.adminToken = Self.token
                    configuration.entitlementPolicy = .manual
                    if iap {
                        configuration.consoleIAPAudience = Self.iapAudience
                        configuration.consoleIAPEmails = [Self.iapUser]
                    }
                    if let callbackURL {
                        configuration.callbackURL = callbackURL
                        configuration.callbackSecret = "console-callback-secret-0123456789"
                    }
                } _: { entitle in
                    try await body(entitle, running)
                }
            }
        }
    }

    static func buy(_ running: RunningEmulator) async throws -> EmulatorPurchase {
        try await running.control.buy(product: "example-messaging-service", plan: "basic")
    }

    func eventually(_ what: String, seconds: Int = 10, _ condition: () async throws -> Bool) async throws {
        guard try await EntitleTestSupport.eventually(within: .seconds(seconds), condition) else {
            Issue.record("timed out: \(what)")
            return
        }
    }

    @Test("sign-in asks for the admin token once; sign-out ends the session and its cookie; guessing gets 429")
    func signInAndOut() async throws {
        try await withConsole { entitle, _ in
            var browser = Browser(site: JSONHTTPClient(baseURL: entitle.baseURL))
            let anonymous = try await browser.get("admin")
            #expect(anonymous.status == 303 && anonymous.headers["location"] == "/admin/sign-in")
            let wrong = try await browser.post("admin/sign-in", [("token", "not-the-token")])
            #expect(wrong.status == 401 && wrong.text.contains("not the admin token"), "\(wrong)")
            let csrf = try await browser.signIn()
            let overview = try await browser.get("admin")
            #expect(
                overview.status == 200 && overview.text.contains("Overview")
                    && overview.headers["content-security-policy"] != nil
            )
            let out = try await browser.post("admin/sign-out", [("csrf", csrf)])
            #expect(out.status == 303 && out.headers["set-cookie"]?.contains("Max-Age=0") == true, "\(out)")
            let again = try await browser.get("admin")
            #expect(
                again.status == 303 && again.headers["location"] == "/admin/sign-in",
                "the old cookie is refused: \(again)"
            )
            // The session itself is gone from the store, not only the browser's cookie.
            let value = try #require(browser.cookie?.split(separator: "=", maxSplits: 1).last.map(String.init))
            #expect(try await entitle.store.consoleSession(idHash: Handoffs.hash(value), at: Timestamp(Date())) == nil)
            // Guessing is slowed: past authFailureLimit (20) failures the address gets 429 with
            // Retry-After, even with the right token, and no session.
            for _ in 0..<19 { _ = try await browser.post("admin/sign-in", [("token", "guess-0123456789ab")]) }
            let throttled = try await browser.post("admin/sign-in", [("token", ConsoleTests.token)])
            #expect(throttled.status == 429 && throttled.text.contains("Too many failed sign-ins"), "\(throttled)")
            #expect(Int(throttled.headers["retry-after"] ?? "") ?? 0 > 0 && throttled.headers["set-cookie"] == nil)
        }
    }

    @Test(
        "an order waiting for a person shows on the overview; approved in the console it is ACTIVE at Google and in Entitle; a forged CSRF token changes nothing"
    )
    func approveFromConsole() async throws {
        try await withConsole { entitle, running in
            var browser = Browser(site: JSONHTTPClient(baseURL: entitle.baseURL))
            let purchase = try await Self.buy(running)
            _ = try await SignupDriver.signUp(JSONHTTPClient(baseURL: entitle.baseURL), token: purchase.signupToken)
            let id = try EntitlementID(purchase.entitlementId)
            try await eventually("the order waits for an approval") {
                let waiting = try await entitle.store.entitlement(id)?.state == .activationRequested
                let signedUp = try await entitle.store.customer(forAccount: try AccountID(purchase.accountId)) != nil
                return waiting && signedUp
            }
            let csrf = try await browser.signIn()
            let overview = try await browser.get("admin")
            #expect(
                overview.text.contains(#"<td id="waiting-approvals">1</td>"#)
                    && overview.text.contains(purchase.entitlementId),
                "\(overview.text)"
            )
            #expect(overview.text.contains("<svg"), "the charts are drawn")
            for forged in [[("csrf", "forged")], []] {
                let refused = try await browser.post("admin/entitlements/\(purchase.entitlementId)/approve", forged)
                #expect(refused.status == 403 && refused.text.contains("CSRF"), "\(refused)")
            }
            #expect(
                try await entitle.procurement.entitlement(id).state == .activationRequested,
                "a forged form approved nothing"
            )
            let approved = try await browser.post(
                "admin/entitlements/\(purchase.entitlementId)/approve",
                [("csrf", csrf)]
            )
            #expect(approved.status == 303 && approved.headers["location"]?.contains("notice=") == true, "\(approved)")
            // The notice shows where the action sent the browser; a notice someone else wrote does not.
            let location = try #require(approved.headers["location"]).dropFirst()
            #expect(try await browser.get(String(location)).text.contains("Done: approve."))
            let forged = location.replacingOccurrences(of: "notice=Done", with: "notice=Call%20us.%20Done")
            #expect(!(try await browser.get(forged).text.contains("Call us")), "a forged notice is not shown")
            let signInPage = try await Browser(site: browser.site).get("admin/sign-in?notice=Call%20us&error=Call%20us")
            #expect(!signInPage.text.contains("Call us"), "the sign-in page shows no text from its URL")
            #expect(try await entitle.procurement.entitlement(id).state == .active, "Google agrees")
            try await eventually("Entitle's copy is ACTIVE") {
                try await entitle.store.entitlement(id)?.state == .active
            }
            let page = try await browser.get("admin/entitlements/\(purchase.entitlementId)")
            #expect(
                page.text.contains(#"<strong id="state">ACTIVE</strong>"#) && page.text.contains("console:admin"),
                "\(page.text)"
            )
            #expect(!page.text.contains("nil"), "an absent value is left out, not shown as nil")
        }
    }

    struct Assertion: Decodable { var assertion: String }

    struct AssertionRequest: Encodable, Sendable {
        var email: String
        var audience: String
        var expiresIn: Int
    }

    @Test(
        "behind IAP: a listed user's signed header is the session, decisions recorded with the email; no header, a forged, expired or other-audience assertion and an unlisted email are refused; token sign-in is off"
    )
    func identityAwareProxy() async throws {
        try await withConsole(iap: true) { entitle, running in
            let site = JSONHTTPClient(baseURL: entitle.baseURL)
            func assertion(
                _ email: String = Self.iapUser,
                audience: String = Self.iapAudience,
                expiresIn: Int = 600
            ) async throws -> String {
                let body = AssertionRequest(email: email, audience: audience, expiresIn: expiresIn)
                return try await running.http.post("emulator/v1/iap-assertion", body).decode(Assertion.self).assertion
            }
            func get(_ path: String, _ header: String?) async throws -> HTTPReply {
                try await site.send("GET", path, headers: header.map { ["x-goog-iap-jwt-assertion": $0] } ?? [:])
            }
            let good = try await assertion()
            let overview = try await get("admin", good)
            #expect(overview.status == 200 && overview.text.contains(Self.iapUser), "\(overview)")
            var forged = good
            forged.removeLast(4)
            forged += "AAAA"
            for (why, header) in [
                ("no header", nil), ("forged", forged), ("expired", try await assertion(expiresIn: -300)),
                ("another audience", try await assertion(audience: "/projects/1/apps/other")),
                ("not listed", try await assertion("eve@example.com")),
            ] {
                let refused = try await get("admin", header)
                #expect(refused.status == 403 && refused.text.contains("Identity-Aware Proxy"), "\(why): \(refused)")
            }
            let token = try await site.send(
                "POST",
                "admin/sign-in",
                raw: SignupDriver.form([("token", Self.token)]),
                headers: ["Content-Type": "application/x-www-form-urlencoded"]
            )
            #expect(
                token.status == 401 && token.headers["set-cookie"] == nil,
                "token sign-in is off behind IAP: \(token)"
            )
            let purchase = try await Self.buy(running)
            _ = try await SignupDriver.signUp(site, token: purchase.signupToken)
            let id = try EntitlementID(purchase.entitlementId)
            try await eventually("the order waits") {
                try await entitle.store.entitlement(id)?.state == .activationRequested
            }
            let csrf = try #require(SignupDriver.hidden("csrf", in: overview.text))
            let approved = try await site.send(
                "POST",
                "admin/entitlements/\(purchase.entitlementId)/approve",
                raw: SignupDriver.form([("csrf", csrf)]),
                headers: ["Content-Type": "application/x-www-form-urlencoded", "x-goog-iap-jwt-assertion": good]
            )
            #expect(approved.status == 303 && approved.headers["location"]?.contains("notice=") == true, "\(approved)")
            let timeline = try await entitle.store.auditLog(
                subject: "entitlements/\(purchase.entitlementId)",
                limit: 50
            )
            #expect(
                timeline.contains { $0.kind == .admin && $0.summary.hasPrefix("console:\(Self.iapUser):") },
                "\(timeline)"
            )
        }
    }

    @Test("a customer named <script> is text on every page that names customers")
    func escaping() async throws {
        try await withConsole { entitle, running in
            var browser = Browser(site: JSONHTTPClient(baseURL: entitle.baseURL))
            let purchase = try await Self.buy(running)
            _ = try await SignupDriver.signUp(
                JSONHTTPClient(baseURL: entitle.baseURL),
                token: purchase.signupToken,
                company: Self.script,
                contactName: Self.script
            )
            let customer = try #require(try await entitle.store.customer(forAccount: try AccountID(purchase.accountId)))
            _ = try await browser.signIn()
            let link = customer.id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? customer.id
            for path in [
                "admin/customers", "admin/customers/\(link)", "admin/accounts/\(purchase.accountId)",
                "admin/entitlements/\(purchase.entitlementId)",
            ] {
                let page = try await browser.get(path)
                #expect(page.status == 200, "\(path): \(page)")
                #expect(!page.text.contains(Self.script), "\(path) shows the name as markup")
                #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path) shows the name as text")
            }
            let account = try await browser.get("admin/accounts/\(purchase.accountId)")
            #expect(
                account.text.contains("<td>user-\(purchase.accountId)</td><td>account_admin</td>"),
                "the account's page lists the person who signed up: \(account.text)"
            )
        }
    }

    @Test("a callback is sent again from its page: pending, attempts from zero")
    func replayCallback() async throws {
        try await withConsole(callbackURL: "http://127.0.0.1:9/callbacks") { entitle, running in
            var browser = Browser(site: JSONHTTPClient(baseURL: entitle.baseURL))
            let purchase = try await Self.buy(running)
            _ = try await SignupDriver.signUp(JSONHTTPClient(baseURL: entitle.baseURL), token: purchase.signupToken)
            var failing: OutboxItem?
            try await eventually("a callback failed once", seconds: 40) {
                failing = try await entitle.store.callbacks(status: nil, limit: 100).first { $0.attempts > 0 }
                return failing != nil
            }
            let callback = try #require(failing)
            let csrf = try await browser.signIn()
            let list = try await browser.get("admin/callbacks")
            #expect(list.text.contains(callback.id), "\(list.text)")
            // The entitlement's own page lists its callbacks (read by subject from the store).
            var own: [OutboxItem] = []
            try await eventually("the entitlement has a callback", seconds: 20) {
                own = try await entitle.store.callbacks(status: nil, limit: 100).filter {
                    $0.entitlementID?.rawValue == purchase.entitlementId
                }
                return !own.isEmpty
            }
            let page = try await browser.get("admin/entitlements/\(purchase.entitlementId)")
            for item in own { #expect(page.text.contains(item.id), "\(item.id) on \(page.text)") }
            let replayed = try await browser.post("admin/callbacks/\(callback.id)/replay", [("csrf", csrf)])
            #expect(
                replayed.status == 303 && replayed.headers["location"]?.hasPrefix("/admin/callbacks") == true,
                "\(replayed)"
            )
            let after = try #require(try await entitle.store.callback(id: callback.id))
            #expect(after.status == .pending && after.attempts <= 1, "\(after)")
        }
    }
}

@Suite(.paced) struct SVGChartTests {
    @Test("bars scale to the largest value; labels and tooltips are escaped")
    func bars() {
        let svg = SVGChart(bars: [.init(label: "<a>", value: 1), .init(label: "b", value: 2)], unit: "things").svg
        #expect(svg.contains(#"height="142.0""#) && svg.contains(#"height="71.0""#), "\(svg)")
        #expect(svg.contains("&lt;a&gt;") && !svg.contains("<a>"), "\(svg)")
    }
}
