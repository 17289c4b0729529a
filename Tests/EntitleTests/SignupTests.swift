import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import Hummingbird
import Logging
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Sign-up over real HTTP: Marketplace's POST with the emulator's token, the form, the account
/// approved only after the customer is linked, and the bad paths.
@Suite(.paced) struct SignupTests {
    static let appURL = URL(string: "https://app.example.com/welcome")!

    struct Fixture: Sendable {
        var running: RunningEmulator
        var store: SQLiteStore
        var site: JSONHTTPClient
        var procurement: ProcurementClient
        var processor: NotificationProcessor
    }

    func withSignup(
        retryPolicy: RetryPolicy = .default,
        rateLimit: SignupRateLimit? = nil,
        policies: ApprovalPolicies = ApprovalPolicies(),
        _ body: @Sendable (Fixture) async throws -> Void
    ) async throws {
        var options = EmulatorOptions()
        options.signupAudience = "vendor.example.com"
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator(options) { running in
                let procurement = running.procurementClient(try await running.transport(retryPolicy: retryPolicy))
                let store = try await SQLiteStore(path: path)
                let processor = NotificationProcessor(
                    store: store,
                    procurement: procurement,
                    policies: policies
                )
                let verifier = MarketplaceTokenVerifier(
                    audiences: ["vendor.example.com"],
                    certificates: GoogleCertificateCache(
                        url: GoogleEndpoints.emulator(at: running.baseURL).signupCertificates
                    )
                )
                let flow = SignupFlow(
                    store: store,
                    procurement: procurement,
                    verifier: verifier,
                    processor: processor,
                    appURL: Self.appURL,
                    rateLimit: rateLimit
                )
                let router = Router()
                router.add(middleware: EdgeMiddleware(logger: Logger(label: "test.signup")))
                SignupController(flow: flow).register(on: router)
                try await LoopbackServer.run(router) { base in
                    try await body(
                        Fixture(
                            running: running,
                            store: store,
                            site: JSONHTTPClient(baseURL: base),
                            procurement: procurement,
                            processor: processor
                        )
                    )
                }
            }
        }
    }

    func buy(_ fixture: Fixture, account: String? = nil) async throws -> EmulatorPurchase {
        try await fixture.running.control.buy(product: "example-messaging-service", plan: "basic", account: account)
    }

    func postForm(
        _ fixture: Fixture,
        _ path: String,
        _ fields: [(String, String)],
        cookie: String? = nil
    ) async throws -> HTTPReply {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(
            separator: "&"
        )
        var headers = ["Content-Type": "application/x-www-form-urlencoded"]
        if let cookie { headers["Cookie"] = cookie }
        return try await fixture.site.send("POST", path, raw: Data(body.utf8), headers: headers)
    }

    private static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Shows the form for `token`; returns (session, csrf, cookie).
    func openForm(_ fixture: Fixture, token: String) async throws -> (String, String, String) {
        let page = try await postForm(fixture, "signup", [("x-gcp-marketplace-token", token)])
        #expect(page.status == 200, "\(page)")
        #expect(page.headers["cache-control"] == "no-store" && page.headers["x-frame-options"] == "DENY")
        let session = try #require(Self.hidden("session", in: page.text))
        let csrf = try #require(Self.hidden("csrf", in: page.text))
        #expect(page.cookies["entitle_signup"] == csrf, "\(page.setCookies)")
        #expect(page.setCookies.contains { $0.hasPrefix("entitle_signup=") && $0.contains("SameSite=Strict") })
        // The browser's own cookie, sent back on the top-level GETs from the vendor's page and app.
        #expect(page.setCookies.contains { $0.hasPrefix("entitle_browser=") && $0.contains("SameSite=Lax") })
        #expect(page.setCookies.allSatisfy { $0.contains("HttpOnly") && $0.contains("Max-Age=600") })
        return (session, csrf, "entitle_signup=\(csrf)")
    }

    @Test(
        "sign-up links a customer, then approves the account and its waiting order; a returning buyer goes straight to the app"
    )
    func journey() async throws {
        try await withSignup { fixture in
            let purchase = try await buy(fixture)
            let account = try AccountID(purchase.accountId)
            let (session, csrf, cookie) = try await openForm(fixture, token: purchase.signupToken)
            #expect(
                try await fixture.procurement.account(account).approvals?.first?.state == .pending,
                "not approved before the form"
            )
            #expect(try await fixture.store.signupSession(id: session) == nil, "the session code is not stored")
            let stored = try await fixture.store.signupSession(id: Handoffs.hash(session))
            #expect(stored?.accountID == account && stored?.userIdentity == "user-\(purchase.accountId)")
            let fields = [
                ("session", session), ("csrf", csrf), ("company", "Example Ltd"), ("contactName", "Ada Lovelace"),
                ("email", "ada@example.com"),
            ]
            let done = try await postForm(fixture, "signup/complete", fields, cookie: cookie)
            #expect(done.status == 303 && done.headers["location"] == Self.appURL.absoluteString, "\(done)")
            #expect(try await fixture.procurement.account(account).approvals?.first?.state == .approved)
            #expect(
                try await fixture.procurement.entitlement(try EntitlementID(purchase.entitlementId)).state == .active,
                "after-signup policy approved it"
            )
            let customer = try await fixture.store.customer(forAccount: account)
            #expect(customer?.company == "Example Ltd" && customer?.email == "ada@example.com")
            let callbacks = try await fixture.store.callbacks(status: .pending, limit: 100)
            #expect(callbacks.filter { $0.kind == .customerSignedUp && $0.accountID == account }.count == 1)

            let again = try await postForm(fixture, "signup/complete", fields, cookie: cookie)
            #expect(again.status == 303, "a double submit is harmless")
            #expect(
                try await fixture.store.callbacks(status: .pending, limit: 100).filter { $0.kind == .customerSignedUp }
                    .count == 1
            )

            let second = try await buy(fixture, account: purchase.accountId)
            let returning = try await postForm(fixture, "signup", [("x-gcp-marketplace-token", second.signupToken)])
            #expect(
                returning.status == 303 && returning.headers["location"] == Self.appURL.absoluteString,
                "\(returning)"
            )
            // Each token that completed a sign-up (the first, and the returning buyer's) opens nothing again.
            for token in [purchase.signupToken, second.signupToken] {
                let replayed = try await postForm(fixture, "signup", [("x-gcp-marketplace-token", token)])
                #expect(replayed.status == 409 && replayed.text.contains("used already"), "\(replayed)")
                #expect(replayed.setCookies.isEmpty, "no session, no browser cookie")
            }
        }
    }

    @Test(
        "forms are read as browsers send them: a repeated field counts once (the first), fields the page lacks are ignored, + is a space"
    )
    func tolerantForms() async throws {
        try await withSignup { fixture in
            let purchase = try await buy(fixture)
            let page = try await postForm(
                fixture,
                "signup",
                [
                    ("utm_source", "a"), ("x-gcp-marketplace-token", purchase.signupToken),
                    ("x-gcp-marketplace-token", "junk"), ("utm_source", "b"),
                ]
            )
            #expect(page.status == 200, "\(page)")
            let session = try #require(Self.hidden("session", in: page.text))
            let csrf = try #require(Self.hidden("csrf", in: page.text))
            let body =
                "session=\(session)&csrf=\(csrf)&company=Plus+Sign+Ltd&company=Other&contactName=Ada&email=ada%40example.com&x=1&x=2"
            let done = try await fixture.site.send(
                "POST",
                "signup/complete",
                raw: Data(body.utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": "entitle_signup=\(csrf)"]
            )
            #expect(done.status == 303, "\(done)")
            #expect(
                try await fixture.store.customer(forAccount: try AccountID(purchase.accountId))?.company
                    == "Plus Sign Ltd"
            )
        }
    }

    @Test(
        "bad sign-up requests get a page that says what to do, and change nothing",
        arguments: ["no token", "forged token", "expired token", "wrong cookie", "bad form"]
    )
    func refused(kind: String) async throws {
        try await withSignup { fixture in
            let purchase = try await buy(fixture)
            let account = try AccountID(purchase.accountId)
            let reply: HTTPReply
            let expected: Int
            let phrase: String
            switch kind {
            case "no token":
                reply = try await postForm(fixture, "signup", [("something", "else")])
                (expected, phrase) = (400, "Sign-up link incomplete")
            case "forged token":
                var parts = purchase.signupToken.split(separator: ".").map(String.init)
                // The payload names another account; the signature is the original one.
                var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
                payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
                let claims = String(decoding: try #require(Data(base64Encoded: payload)), as: UTF8.self)
                    .replacingOccurrences(of: purchase.accountId, with: "E-someone-else")
                parts[1] = Data(claims.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                    .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                reply = try await postForm(
                    fixture,
                    "signup",
                    [("x-gcp-marketplace-token", parts.joined(separator: "."))]
                )
                (expected, phrase) = (401, "not valid")
            case "expired token":
                let now = Int(Date().timeIntervalSince1970)
                struct Token: Decodable { var token: String }
                let expired = try await fixture.running.http.post(
                    "emulator/v1/accounts/\(purchase.accountId)/signup-token",
                    ["issuedAt": now - 900, "expiresAt": now - 600]
                ).decode(Token.self)
                reply = try await postForm(fixture, "signup", [("x-gcp-marketplace-token", expired.token)])
                (expected, phrase) = (401, "expired")
            case "wrong cookie":
                let (session, csrf, _) = try await openForm(fixture, token: purchase.signupToken)
                let fields = [
                    ("session", session), ("csrf", csrf), ("company", "X"), ("contactName", "Y"),
                    ("email", "y@example.com"),
                ]
                reply = try await postForm(fixture, "signup/complete", fields, cookie: "entitle_signup=someone-elses")
                (expected, phrase) = (403, "sign-up page")
            default:
                let (session, csrf, cookie) = try await openForm(fixture, token: purchase.signupToken)
                let fields = [
                    ("session", session), ("csrf", csrf), ("company", " "), ("contactName", "Ada"),
                    ("email", "not-an-email"),
                ]
                reply = try await postForm(fixture, "signup/complete", fields, cookie: cookie)
                (expected, phrase) = (422, "Enter an email address")
            }
            #expect(reply.status == expected, "\(reply)")
            #expect(reply.text.contains(phrase), "\(reply.text)")
            #expect(
                try await fixture.procurement.account(account).approvals?.first?.state == .pending,
                "nothing approved"
            )
            #expect(try await fixture.store.customer(forAccount: account) == nil)
        }
    }

    @Test(
        "after an account reset Google refuses a new order's approval: it is not taken as done, the order waits with the reason and the account shows PENDING; the buyer's next sign-up approves the account again and the order"
    )
    func afterAccountReset() async throws {
        try await withSignup { fixture in
            let purchase = try await buy(fixture)
            let account = try AccountID(purchase.accountId)
            let (session, csrf, cookie) = try await openForm(fixture, token: purchase.signupToken)
            let fields = [
                ("session", session), ("csrf", csrf), ("company", "Reset Ltd"), ("contactName", "Grace"),
                ("email", "g@example.com"),
            ]
            #expect(try await postForm(fixture, "signup/complete", fields, cookie: cookie).status == 303)
            // The vendor resets its own test account: orders cancelled, sign-up PENDING, no event.
            try await fixture.procurement.resetAccount(account)
            let order = try await buy(fixture, account: purchase.accountId)
            let id = try EntitlementID(order.entitlementId)
            try await fixture.processor.reconcile(id, trigger: .resync, auditKind: .repair, summary: "new order")
            #expect(
                try await fixture.procurement.entitlement(id).state == .activationRequested,
                "Google refused the approval"
            )
            let waiting = try await fixture.store.entitlement(id)
            #expect(
                waiting?.waitingReason?.contains("PENDING") == true && waiting?.requestedApproval == nil,
                "\(String(describing: waiting))"
            )
            #expect(
                try await fixture.store.account(account)?.signupApproval == .pending,
                "the admin view no longer says approved"
            )

            let returning = try await postForm(fixture, "signup", [("x-gcp-marketplace-token", order.signupToken)])
            #expect(
                returning.status == 303 && returning.headers["location"] == Self.appURL.absoluteString,
                "\(returning)"
            )
            #expect(try await fixture.procurement.account(account).signupApproval?.state == .approved, "approved again")
            #expect(try await fixture.procurement.entitlement(id).state == .active, "and the waiting order with it")
            #expect(try await fixture.store.account(account)?.signupApproval == .approved)
            #expect(try await fixture.store.entitlement(id)?.waitingReason == nil)
        }
    }

    @Test(
        "Google failing the account's approval gives the buyer a page that says what to do, with a reference: the form again when it may pass on a retry (and it does), a refusal page when it will not"
    )
    func googleFails() async throws {
        try await withSignup(retryPolicy: .none) { fixture in
            let purchase = try await buy(fixture)
            let (session, csrf, cookie) = try await openForm(fixture, token: purchase.signupToken)
            let fields = [
                ("session", session), ("csrf", csrf), ("company", "Flaky Ltd"), ("contactName", "Ada"),
                ("email", "ada@example.com"),
            ]
            let unavailable = FaultPlan(seed: 1, rules: [.init(api: .procurement, errorRate: 1, status: 503)])
            try await fixture.running.control.setFaults(unavailable)
            let transient = try await postForm(fixture, "signup/complete", fields, cookie: cookie)
            #expect(transient.status == 503 && transient.text.contains("did not answer"), "\(transient)")
            #expect(
                transient.text.contains(#"name="session" value="\#(session)""#) && transient.text.contains("Flaky Ltd"),
                "the form again, filled in"
            )
            let reference = try #require(transient.headers["x-request-id"])
            #expect(transient.text.contains(reference), "the reference is on the page")
            try await fixture.running.control.setFaults(FaultPlan())
            let retried = try await postForm(fixture, "signup/complete", fields, cookie: cookie)
            #expect(retried.status == 303, "sent again, it passes: \(retried)")

            let other = try await buy(fixture)
            let (session2, csrf2, cookie2) = try await openForm(fixture, token: other.signupToken)
            let refused = FaultPlan(seed: 1, rules: [.init(api: .procurement, errorRate: 1, status: 404)])
            try await fixture.running.control.setFaults(refused)
            let fields2 = [
                ("session", session2), ("csrf", csrf2), ("company", "Gone Ltd"), ("contactName", "Bo"),
                ("email", "bo@example.com"),
            ]
            let page = try await postForm(fixture, "signup/complete", fields2, cookie: cookie2)
            #expect(
                page.status == 502 && page.text.contains("refused")
                    && page.text.contains(page.headers["x-request-id"] ?? "?"),
                "\(page)"
            )
            try await fixture.running.control.setFaults(FaultPlan())
        }
    }
}
