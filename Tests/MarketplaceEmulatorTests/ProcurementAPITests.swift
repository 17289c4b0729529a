import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Every Procurement method and error case over HTTP (contract §3), paging and filters (§3.3).
@Suite(.paced) struct ProcurementAPITests {
    // MARK: Tests

    @Test("accounts: get, list, approve, reject, approve after reject (contract §2.1)")
    func accounts() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let first = try await running.buy()
            _ = try await running.buy(account: "E-CHOSEN-0001")
            let list: ListAccountsResponse = try await running.http.get(running.accounts).decode()
            #expect(list.accounts?.map(\.id?.rawValue) == [first.accountId, "E-CHOSEN-0001"])
            let reject = try await running.http.post(
                "\(running.accounts)/\(first.accountId):reject",
                ["approvalName": "signup", "reason": "incomplete"]
            )
            #expect(reject.status == 200 && reject.text == "{}")
            let rejected: Account = try await running.http.get("\(running.accounts)/\(first.accountId)").decode()
            #expect(rejected.signupApproval?.state == .rejected && rejected.signupApproval?.reason == "incomplete")
            // contract §2.1: REJECTED → APPROVED is allowed; approvalName may be omitted with one approval.
            #expect(try await running.http.post("\(running.accounts)/\(first.accountId):approve").status == 200)
            let again = try await running.http.post("\(running.accounts)/\(first.accountId):approve")
            #expect(again.status == 400 && again.googleError?.status == "FAILED_PRECONDITION")
        }
    }

    @Test(
        "Google's errors: status, code and message in {error:{…}}",
        arguments: [
            ("GET", "entitlements/none", nil, 404, "NOT_FOUND"),
            ("GET", "accounts/none", nil, 404, "NOT_FOUND"),
            ("POST", "accounts/none:approve", #"{}"#, 404, "NOT_FOUND"),
            ("POST", "accounts/{a}:approve", #"{"approvalName":"billing"}"#, 400, "INVALID_ARGUMENT"),
            ("POST", "accounts/{a}:reject", #"{"approvalName":"signup"}"#, 200, ""),
            ("POST", "accounts/{a}:frobnicate", #"{}"#, 404, "NOT_FOUND"),
            ("POST", "entitlements/{e}:approvePlanChange", #"{}"#, 400, "INVALID_ARGUMENT"),
            (
                "POST", "entitlements/{e}:approvePlanChange", #"{"pendingPlanName":"premium"}"#, 400,
                "FAILED_PRECONDITION"
            ),
            (
                "POST", "entitlements/{e}:rejectPlanChange", #"{"pendingPlanName":"premium"}"#, 400,
                "FAILED_PRECONDITION"
            ),
            ("POST", "entitlements/{e}:suspend", #"{"reason":"x"}"#, 501, "UNIMPLEMENTED"),
            ("POST", "entitlements/{e}:approve", #"{"entitlementMigrated":5}"#, 400, "INVALID_ARGUMENT"),
            ("POST", "entitlements/{e}:approve", #"not json"#, 400, "INVALID_ARGUMENT"),
            ("PATCH", "entitlements/{e}?updateMask=plan", #"{"plan":"premium"}"#, 400, "INVALID_ARGUMENT"),
            ("PATCH", "entitlements/{e}", #"{"messageToUser":"hi"}"#, 400, "INVALID_ARGUMENT"),
            ("GET", "entitlements?pageToken=garbage", nil, 400, "INVALID_ARGUMENT"),
            ("GET", "entitlements?pageSize=-1", nil, 400, "INVALID_ARGUMENT"),
            ("GET", "entitlements?filter=plan%3D%3D", nil, 400, "INVALID_ARGUMENT"),
        ] as [(String, String, String?, Int, String)]
    )
    func errors(method: String, path: String, body: String?, status: Int, name: String) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            let resolved = path.replacingOccurrences(of: "{a}", with: purchase.accountId).replacingOccurrences(
                of: "{e}",
                with: purchase.entitlementId
            )
            let prefix = resolved.hasPrefix("accounts") ? running.accounts : running.entitlements
            let reply = try await running.http.send(
                method,
                prefix + String(resolved.drop { $0 != "/" && $0 != "?" }),
                raw: body.map { Data($0.utf8) }
            )
            #expect(reply.status == status, "\(reply)")
            if !name.isEmpty {
                #expect(
                    reply.googleError?.status == name && reply.googleError?.code == status
                        && reply.googleError?.message.isEmpty == false,
                    "\(reply)"
                )
            }
        }
    }

    @Test("another provider's resources → 403 PERMISSION_DENIED")
    func otherProvider() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let reply = try await running.http.get("v1/providers/SOMEONE-ELSE/entitlements")
            #expect(reply.status == 403 && reply.googleError?.status == "PERMISSION_DENIED")
        }
    }

    @Test("a body over 10 MB is refused, and the emulator keeps serving")
    func oversizedBody() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            let huge = Data(repeating: UInt8(ascii: " "), count: 11 * 1024 * 1024)
            let reply = try await running.http.send(
                "POST",
                "\(running.entitlements)/\(purchase.entitlementId):approve",
                raw: huge
            )
            #expect(reply.status == 413)
            #expect(try await running.entitlement(purchase.entitlementId).state == .activationRequested)
        }
    }

    @Test("paging: 520 entitlements, every page token followed, each entitlement exactly once; default page is 200")
    func paging() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            var bought: [String] = []
            for index in 0..<520 { bought.append(try await running.buy(account: "E-\(index % 40)").entitlementId) }
            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let query = "pageSize=150" + (token.map { "&pageToken=\($0)" } ?? "")
                let page: ListEntitlementsResponse = try await running.http.get("\(running.entitlements)?\(query)")
                    .decode()
                seen += (page.entitlements ?? []).compactMap(\.id?.rawValue)
                token = page.nextPageToken
                pages += 1
            } while token != nil
            #expect(pages == 4)
            #expect(seen == bought)
            let first: ListEntitlementsResponse = try await running.http.get(running.entitlements).decode()
            #expect(first.entitlements?.count == 200 && first.nextPageToken != nil)
            let accounts: ListAccountsResponse = try await running.http.get(running.accounts).decode()
            #expect(accounts.accounts?.count == 25)
        }
    }
}
