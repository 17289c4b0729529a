import Entitle
import EntitleTestSupport
import Foundation
import MarketplaceEmulator
import Testing

/// One JSON error shape across `/v1` and `/api/admin`: `error` for people,
/// `status` equal to the HTTP status for programs.
@Suite(.paced) struct ErrorShapeTests {
    struct Problem: Decodable {
        var error: String
        var status: Int
    }

    @Test("admin, usage, app API, hand-off and unknown routes answer errors as {error, status} with the HTTP status")
    func oneShape() async throws {
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator { running in
                try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                    configuration.adminToken = "error-shape-admin-token"
                    configuration.usageAPIKeys = ["default": AppAccess("error-shape-usage-key")]
                } _: { entitle in
                    let admin = entitle.client(bearer: "error-shape-admin-token")
                    let app = entitle.client(bearer: "error-shape-usage-key")
                    let anonymous = JSONHTTPClient(baseURL: entitle.baseURL)
                    let replies = [
                        (
                            "admin 404",
                            try await admin.get("api/admin/entitlements/00000000-0000-0000-0000-000000000000")
                        ),
                        ("admin 401", try await anonymous.get("api/admin/entitlements")),
                        ("admin 400", try await admin.get("api/admin/entitlements?state=nonsense")),
                        ("usage 400", try await app.send("POST", "v1/usage", raw: Data("{".utf8))),
                        ("usage 401", try await anonymous.post("v1/usage", ["metric": "x"])),
                        (
                            "usage 422",
                            try await app.send(
                                "POST",
                                "v1/usage",
                                raw: Data(
                                    #"{"entitlementId": "nope", "metric": "requests", "quantity": 1, "idempotencyKey": "k"}"#
                                        .utf8
                                )
                            )
                        ),
                        ("app 404", try await app.get("v1/entitlements/00000000-0000-0000-0000-000000000000")),
                        ("hand-off 404", try await app.post("v1/handoffs/unknown")),
                        ("no route", try await anonymous.get("v1/nothing-here")),
                    ]
                    for (name, reply) in replies {
                        let problem = try? JSONDecoder().decode(Problem.self, from: reply.body)
                        #expect(
                            reply.status >= 400 && problem?.status == reply.status && problem?.error.isEmpty == false,
                            "\(name): \(reply)"
                        )
                        #expect(reply.headers["content-type"] == "application/json", "\(name)")
                    }
                }
            }
        }
    }
}
