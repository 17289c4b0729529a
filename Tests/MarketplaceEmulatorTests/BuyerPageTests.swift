import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The buyer page at `/emulator`: what a person does in a browser.
@Suite(.paced) struct BuyerPageTests {
    private func form(_ running: RunningEmulator, _ path: String, _ fields: [String: String]) async throws -> HTTPReply
    {
        let body = fields.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        }.joined(separator: "&")
        return try await running.http.send(
            "POST",
            path,
            raw: Data(body.utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"]
        )
    }

    // MARK: Tests

    @Test("buying on the page answers the auto-submitting POST of x-gcp-marketplace-token to the vendor's sign-up URL")
    func buyAndRedirect() async throws {
        try await EmulatorHarness.withEmulator(testOptions { $0.signupURL = "http://127.0.0.1:9999/signup" }) {
            running in
            let home = try await running.http.get("emulator")
            #expect(home.status == 200 && home.text.contains("example-messaging-service.gcpmarketplace.example.com"))
            let reply = try await form(
                running,
                "emulator/buy",
                ["product": "example-messaging-service", "plan": "standard", "account": "E-PAGE-1"]
            )
            #expect(reply.status == 200)
            #expect(reply.text.contains(#"<form method="post" action="http://127.0.0.1:9999/signup">"#))
            #expect(reply.text.contains(#"name="x-gcp-marketplace-token" value="ey"#))
            #expect(reply.text.contains("document.forms[0].submit()"))
            let state = try await running.http.get("emulator").text
            #expect(state.contains("E-PAGE-1") && state.contains("ENTITLEMENT_ACTIVATION_REQUESTED"))
        }
    }

    @Test("page actions change the entitlement and redirect back (post/redirect/get)")
    func actions() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            try await running.approveSignup(purchase.accountId)
            _ = try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve")
            let cancel = try await form(running, "emulator/entitlements/\(purchase.entitlementId)/cancel", [:])
            #expect(cancel.status == 303 && cancel.headers["location"] == "/emulator", "\(cancel)")
            #expect(try await running.entitlement(purchase.entitlementId).state == .pendingCancellation)
            _ = try await form(running, "emulator/clock", ["duration": "P2M"])
            #expect(try await running.entitlement(purchase.entitlementId).state == .cancelled)
        }
    }

    @Test("values are HTML-escaped; an account id with '/' is refused")
    func escaping() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            _ = try await form(
                running,
                "emulator/buy",
                ["product": "example-messaging-service", "plan": "basic", "account": "<b>x\"'&"]
            )
            let home = try await running.http.get("emulator").text
            #expect(home.contains("&lt;b&gt;x&quot;&#39;&amp;") && !home.contains("<b>x"))
            let slash = try await form(
                running,
                "emulator/buy",
                ["product": "example-messaging-service", "plan": "basic", "account": "a/b"]
            )
            #expect(slash.status == 400)
        }
    }

    @Test(
        "a clock advance that is not an ISO 8601 duration is refused by the page and the control API alike, and time stays put"
    )
    func badDuration() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            struct Clock: Decodable { var now: Timestamp }
            let before = try await running.http.get("emulator/v1/clock").decode(Clock.self).now
            let page = try await form(running, "emulator/clock", ["duration": "1 month"])
            let api = try await running.http.post("emulator/v1/clock/advance", ["duration": "P-1D"])
            let both = try await running.http.post(
                "emulator/v1/clock/advance",
                ["duration": AnyEncodable("P1D"), "seconds": AnyEncodable(5)]
            )
            #expect(page.status == 400 && api.status == 400 && both.status == 400)
            #expect(
                page.googleError?.status == "INVALID_ARGUMENT" && api.googleError?.message.contains("ISO 8601") == true
            )
            let after = try await running.http.get("emulator/v1/clock").decode(Clock.self).now
            #expect(after.seconds - before.seconds < 3_600, "no day was added")
        }
    }
}
