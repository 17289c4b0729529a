import Entitle
import EntitleTestSupport
import Foundation
import GRDB
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// What every HTTP answer and connection of `entitle serve` gets: request
/// ids and nosniff, a JSON 404 for unknown routes, no empty 500s, checked filters, slow clients
/// cut off, the sign-up cookie as the deployment needs it.
@Suite(.paced) struct HTTPEdgeTests {
    static let adminToken = "http-edge-admin-token"

    struct Problem: Decodable {
        var error: String
        var requestId: String?
    }

    func withEntitle(
        idleTimeout: Int = 30,
        _ body: @Sendable (RunningEntitle, RunningEmulator, String) async throws -> Void
    ) async throws {
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator { running in
                try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                    configuration.adminToken = Self.adminToken
                    configuration.httpHeaderTimeoutSeconds = 1
                    configuration.httpBodyTimeoutSeconds = 1
                    configuration.httpIdleTimeoutSeconds = idleTimeout
                    configuration.signupSessionSeconds = 300
                } _: { entitle in
                    try await body(entitle, running, path)
                }
            }
        }
    }

    @Test("an unknown route is a JSON 404 with the request id; every answer carries X-Request-Id and nosniff")
    func unknownRoute() async throws {
        try await withEntitle { entitle, _, _ in
            let site = JSONHTTPClient(baseURL: entitle.baseURL)
            let missing = try await site.get("no/such/route")
            #expect(missing.status == 404 && missing.headers["content-type"] == "application/json", "\(missing)")
            let problem = try JSONDecoder().decode(Problem.self, from: Data(missing.text.utf8))
            #expect(
                problem.error.contains("no route GET /no/such/route")
                    && problem.requestId == missing.headers["x-request-id"],
                "\(missing)"
            )
            for reply in [
                missing, try await site.get("healthz"), try await site.post("api/admin/entitlements/x/approve"),
            ] {
                #expect(
                    reply.headers["x-content-type-options"] == "nosniff"
                        && reply.headers["x-request-id"]?.isEmpty == false,
                    "\(reply)"
                )
            }
        }
    }

    @Test("an error no handler expected is logged and answered 500 with the request id, not an empty body")
    func noEmpty500() async throws {
        try await withEntitle { entitle, _, path in
            // A real store failure: the table the route reads is gone.
            try await sideDatabase(path).write { db in try db.execute(sql: "DROP TABLE dead_letter") }
            let reply = try await entitle.client(bearer: Self.adminToken).get("api/admin/dead-letters")
            #expect(reply.status == 500, "\(reply)")
            let problem = try JSONDecoder().decode(Problem.self, from: Data(reply.text.utf8))
            #expect(
                problem.requestId == reply.headers["x-request-id"] && problem.error.contains(problem.requestId ?? "?"),
                "\(reply)"
            )
        }
    }

    @Test("bad filters are 400 naming the allowed values")
    func filters() async throws {
        try await withEntitle { entitle, _, _ in
            let admin = entitle.client(bearer: Self.adminToken)
            let outbox = try await admin.get("api/admin/outbox?status=bogus")
            #expect(outbox.status == 400 && outbox.text.contains("pending, delivered, failed"), "\(outbox)")
            let state = try await admin.get("api/admin/entitlements?state=bogus")
            #expect(
                state.status == 400 && state.text.contains("active") && state.text.contains("pending_cancellation"),
                "\(state)"
            )
            #expect(try await admin.get("api/admin/entitlements?state=active").status == 200)
            #expect(try await admin.get("api/admin/outbox?status=failed").status == 200)
            #expect(try await admin.get("api/admin/entitlements?state=ENTITLEMENT_ACTIVE").status == 200)
            // What the OpenAPI contract says is invalid is refused, not quietly replaced by a default.
            for query in [
                "entitlements?limit=0", "entitlements?limit=abc", "entitlements?limit=1001", "events?limit=-1",
                "usage?limit=10001",
                "usage?status=", "usage?status=pending,", "entitlements?state=Active", "entitlements?after=",
            ] {
                let reply = try await admin.get("api/admin/" + query)
                #expect(reply.status == 400, "\(query): \(reply)")
            }
            #expect(try await admin.get("api/admin/entitlements?limit=1000").status == 200)
        }
    }

    @Test(
        "slow clients are cut off: half a request head after the header timeout, a body that stops or trickles after the body timeout, long before the idle timeout"
    )
    func slowClients() async throws {
        try await withEntitle { entitle, _, _ in
            let port = entitle.baseURL.port ?? 0
            let halfHead = try RawConnection(port: port)
            try halfHead.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
            #expect(await halfHead.closedByServer(within: 4), "half a head is not waited for")
            let halfBody = try RawConnection(port: port)
            try halfBody.send("POST /v1/usage HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789")
            #expect(await halfBody.closedByServer(within: 4), "a body that stops is not waited for")
            // A byte every 300 ms keeps a connection busy, not complete.
            let trickle = try RawConnection(port: port)
            try trickle.send("POST /v1/usage HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n")
            var closed = false
            for _ in 0..<15 where !closed {
                try? trickle.send("x")
                closed = await trickle.closedByServer(within: 0.3)
            }
            #expect(closed, "a trickling body is cut off at the body timeout")
            #expect(
                try await JSONHTTPClient(baseURL: entitle.baseURL).get("healthz").status == 200,
                "and the server still answers"
            )
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout")
    func idleConnection() async throws {
        try await withEntitle(idleTimeout: 2) { entitle, _, _ in
            let idle = try RawConnection(port: entitle.baseURL.port ?? 0)
            try idle.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await idle.closedByServer(within: 5))
        }
    }

    @Test(
        "the sign-up cookies are not Secure when buyers reach Entitle over plain http, and last as long as the session"
    )
    func signupCookie() async throws {
        try await withEntitle { entitle, running, _ in
            let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
            let form = try await JSONHTTPClient(baseURL: entitle.baseURL).send(
                "POST",
                "signup",
                raw: Data("x-gcp-marketplace-token=\(purchase.signupToken)".utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded"]
            )
            #expect(form.setCookies.count == 2, "the CSRF cookie and the browser cookie: \(form)")
            for cookie in form.setCookies {
                #expect(
                    !cookie.contains("Secure") && cookie.contains("Max-Age=300") && cookie.contains("HttpOnly"),
                    "\(cookie)"
                )
            }
        }
    }
}
