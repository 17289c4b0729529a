extension String {
    /// How many UTF-8 bytes of an attacker-written value reach a log line or an answer.
    public static let boundedBytes = 200

    /// This value as it may be shown when someone else wrote it (a token's `kid`, a path, a
    /// header): control characters (newlines that would forge log lines, escapes that would drive a
    /// terminal) as `\u{…}`, and at most `limit` UTF-8 bytes, ending `…(N bytes)` when cut.
    public func bounded(_ limit: Int = boundedBytes) -> String {
        var escaped = ""
        var cut = false
        for scalar in unicodeScalars {
            // Stop early: a 60 KB value need not be escaped whole to be cut.
            if escaped.utf8.count > limit {
                cut = true
                break
            }
            let category = scalar.properties.generalCategory
            if category == .control || category == .format || category == .lineSeparator
                || category == .paragraphSeparator
            {
                escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                escaped.unicodeScalars.append(scalar)
            }
        }
        guard cut || escaped.utf8.count > limit else { return escaped }
        return escaped.truncated(toUTF8Bytes: limit) + "…(\(utf8.count) bytes)"
    }
}
