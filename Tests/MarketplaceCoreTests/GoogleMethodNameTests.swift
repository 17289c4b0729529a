import Foundation
import MarketplaceCore
import Testing

/// Names for Google calls (metrics, the emulator's request counts and fault rules): few values,
/// never an id.
@Suite struct GoogleMethodNameTests {
    @Test(
        "calls are named by API, last collection and verb",
        arguments: [
            (
                "GET", "https://cloudcommerceprocurement.googleapis.com/v1/providers/p/entitlements/e-1", "procurement",
                "entitlements.get"
            ),
            (
                "GET", "https://cloudcommerceprocurement.googleapis.com/v1/providers/p/entitlements?filter=x",
                "procurement", "entitlements.list"
            ),
            (
                "POST", "https://cloudcommerceprocurement.googleapis.com/v1/providers/p/entitlements/e-1:approve",
                "procurement",
                "entitlements.approve"
            ),
            (
                "PATCH", "https://cloudcommerceprocurement.googleapis.com/v1/providers/p/entitlements/e-1",
                "procurement", "entitlements.patch"
            ),
            ("POST", "http://127.0.0.1:9/v1/providers/p/accounts/a-1:reset", "procurement", "accounts.reset"),
            (
                "POST", "https://pubsub.googleapis.com/v1/projects/x/subscriptions/s:pull", "pubsub",
                "subscriptions.pull"
            ),
            ("PUT", "https://pubsub.googleapis.com/v1/projects/x/subscriptions/s", "pubsub", "subscriptions.create"),
            ("DELETE", "https://pubsub.googleapis.com/v1/projects/x/topics/t", "pubsub", "topics.delete"),
            (
                "POST", "https://servicecontrol.googleapis.com/v1/services/svc.example.com:check", "servicecontrol",
                "services.check"
            ),
            ("POST", "https://oauth2.googleapis.com/token", "other", "post"),
        ]
    )
    func names(method: String, url: String, api: String, name: String) throws {
        let named = GoogleMethodName(httpMethod: method, path: try #require(URL(string: url)).path)
        #expect(named.api == api && named.method == name, "\(named)")
    }
}
