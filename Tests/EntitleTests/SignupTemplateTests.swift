import Entitle
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `signupTemplates`: the hosted pages restyled from a folder.
@Suite(.paced) struct SignupTemplateTests {
    @Test(
        "a folder's signup.mustache replaces the form (values still escaped, the layout kept); a template that does not parse stops the start with its path"
    )
    func overridden() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "entitle-templates-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let template = """
            {{<layout}}{{$body}}<h1>ACME Cloud sign-up</h1><form method="post" action="/signup/complete">
            <input type="hidden" name="session" value="{{session}}"><input type="hidden" name="csrf" value="{{csrf}}">
            <p>{{company}}</p></form>{{/body}}{{/layout}}
            """
        try Data(template.utf8).write(to: folder.appendingPathComponent("signup.mustache"))
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator { running in
                try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                    configuration.entitlementPolicy = .afterSignup
                    configuration.signupTemplates = folder.path
                } _: { entitle in
                    let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
                    let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
                    let body =
                        "x-gcp-marketplace-token=\(purchase.signupToken.addingPercentEncoding(withAllowedCharacters: allowed)!)"
                    let page = try await JSONHTTPClient(baseURL: entitle.baseURL).send(
                        "POST",
                        "signup",
                        raw: Data(body.utf8),
                        headers: ["Content-Type": "application/x-www-form-urlencoded"]
                    )
                    #expect(
                        page.status == 200 && page.text.contains("ACME Cloud sign-up")
                            && page.text.contains("<!doctype html>"),
                        "\(page)"
                    )
                    #expect(!page.text.contains("Finish signing up</h1>"), "the built-in form is replaced")
                }
            }
        }
        try Data("{{#unclosed}}".utf8).write(to: folder.appendingPathComponent("problem.mustache"))
        _ = try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator { running in
                await #expect(throws: ConfigurationError.self) {
                    try await EntitleHarness.withEntitle(running, storePath: path) {
                        $0.signupTemplates = folder.path
                    } _: { _ in
                    }
                }
            }
        }
    }
}
