import Foundation

/// Request URLs under an API's base URL, with ids percent-encoded once (ids may hold `%`, `?` or
/// `#`, which must not end the path) and query values encoded so `+` and `&` keep their meaning.
enum GoogleURL {
    static func make(_ base: URL, _ path: String, query: [(String, String?)] = []) -> URL {
        var text = base.absoluteString
        if !text.hasSuffix("/") { text += "/" }
        text += path
        let items = query.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: queryValueAllowed) ?? $0)" }
        }
        if !items.isEmpty { text += "?" + items.joined(separator: "&") }
        return URL(string: text)!
    }

    static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? value
    }

    private static let segmentAllowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/:;%?#"))
    private static let queryValueAllowed = CharacterSet.urlQueryAllowed.subtracting(
        CharacterSet(charactersIn: "+&=;%#")
    )
}
