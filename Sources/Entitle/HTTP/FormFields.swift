import Foundation

/// An `application/x-www-form-urlencoded` body read as browsers and servers read forms: a field
/// sent twice counts once (the first), `+` is a space, fields nobody asked for are left alone.
enum FormFields {
    /// The fields, or nil when a name or value is not valid percent-encoding.
    static func parse(_ body: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = decode(parts[0]), let value = decode(parts.count == 2 ? parts[1] : "") else { return nil }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }
}
