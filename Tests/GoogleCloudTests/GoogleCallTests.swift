import Foundation
import GoogleCloud
import Testing

/// Metric names for Google calls: few values, never an id (issue #14).
@Suite struct GoogleCallTests {
    @Test(
        "calls are named by API, last collection and verb",
        arguments: [
            ("GET", "https://cloudcommerceprocurement.googleapis.com/v1/providers/p/entitlements/e-1", "procurement", "entitlements.get"),
            ("GET", "https://cloudcommerceprocurement.googleapis.com/v1/providers/p/entitlements?filter=x", "procurement", "entitlements.list"),
            (
                "POST", "https://cloudcommerceprocurement.googleapis.com/v1/providers/p/entitlements/e-1:approve", "procurement",
                "entitlements.approve"
            ),
            ("PATCH", "https://cloudcommerceprocurement.googleapis.com/v1/providers/p/entitlements/e-1", "procurement", "entitlements.patch"),
            ("POST", "http://127.0.0.1:9/v1/providers/p/accounts/a-1:reset", "procurement", "accounts.reset"),
            ("POST", "https://pubsub.googleapis.com/v1/projects/x/subscriptions/s:pull", "pubsub", "subscriptions.pull"),
            ("PUT", "https://pubsub.googleapis.com/v1/projects/x/subscriptions/s", "pubsub", "subscriptions.create"),
            ("DELETE", "https://pubsub.googleapis.com/v1/projects/x/topics/t", "pubsub", "topics.delete"),
            ("POST", "https://servicecontrol.googleapis.com/v1/services/svc.example.com:check", "servicecontrol", "services.check"),
            ("POST", "https://oauth2.googleapis.com/token", "other", "post"),
        ]
    )
    func names(method: String, url: String, api: String, name: String) throws {
        let named = GoogleCall.name(method, try #require(URL(string: url)))
        #expect(named.api == api && named.method == name, "\(named)")
    }
}
