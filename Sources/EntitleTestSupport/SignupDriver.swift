public import Foundation

/// A buyer's sign-up through Entitle's hosted pages, as a browser does it (`SignupBrowser`):
/// Marketplace's POST with the token, then the form with its session, CSRF field and cookie.
public enum SignupDriver {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where the buyer is sent at the end (the app's URL), through a fresh browser.
    public static func signUp(
        _ site: JSONHTTPClient,
        token: String,
        company: String = "Example Ltd",
        contactName: String = "Ada Lovelace",
        email: String = "ada@example.com"
    ) async throws -> URL? {
        try await SignupBrowser(site).signUp(token: token, company: company, contactName: contactName, email: email)
    }

    public static func form(_ fields: [(String, String)]) -> Data {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return Data(
            fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(
                separator: "&"
            ).utf8
        )
    }

    public static func hidden(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}
