public import Foundation

/// A buyer's sign-up through Entitle's hosted pages, as a browser does it: Marketplace's POST with
/// the token, then the form with its session, CSRF field and cookie.
public enum SignupDriver {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Where the buyer is sent at the end (the app's URL, with a hand-off code when configured).
    public static func signUp(
        _ site: JSONHTTPClient,
        token: String,
        company: String = "Example Ltd",
        contactName: String = "Ada Lovelace",
        email: String = "ada@example.com"
    ) async throws -> URL? {
        let headers = ["Content-Type": "application/x-www-form-urlencoded"]
        let page = try await site.send(
            "POST",
            "signup",
            raw: form([("x-gcp-marketplace-token", token)]),
            headers: headers
        )
        if page.status == 303 { return page.headers["location"].flatMap(URL.init(string:)) }
        guard let session = hidden("session", in: page.text), let csrf = hidden("csrf", in: page.text),
            let cookie = page.headers["set-cookie"]?.split(separator: ";").first.map(String.init)
        else { throw Failure(description: "no sign-up form: \(page)") }
        let fields = [
            ("session", session), ("csrf", csrf), ("company", company), ("contactName", contactName), ("email", email),
        ]
        let done = try await site.send(
            "POST",
            "signup/complete",
            raw: form(fields),
            headers: headers.merging(["Cookie": cookie]) { $1 }
        )
        guard done.status == 303 else { throw Failure(description: "the sign-up form was refused: \(done)") }
        return done.headers["location"].flatMap(URL.init(string:))
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
