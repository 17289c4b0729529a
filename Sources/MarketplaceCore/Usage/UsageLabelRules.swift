/// What a usage record's `labels` may hold: Marketplace's two reserved keys, and the vendor's own
/// labels (Google recommends passing the customer's resource labels on, for cost attribution),
/// both within Google Cloud's label syntax, since Service Control refuses a report whose labels
/// break it and a refused report is usage nobody is paid for.
public enum UsageLabelRules {
    /// The prefix Marketplace reserves; only `reservedKeys` may use it.
    public static let reservedPrefix = "cloudmarketplace.googleapis.com/"
    /// The customer's names for the resource and its container, shown in their billing reports.
    public static let reservedKeys: Set<String> = [
        reservedPrefix + "resource_name", reservedPrefix + "container_name",
    ]
    /// Google Cloud's limit of labels on one resource.
    public static let maxLabels = 64
    /// Characters of a key or a value.
    public static let maxCharacters = 63
    /// Bytes of a key or a value (Google: "under 128 bytes").
    public static let maxBytes = 127

    /// Each label's problem, worded for the app's developer; empty when all can be reported.
    public static func problems(_ labels: [String: String]) -> [String] {
        var problems: [String] = []
        if labels.count > maxLabels { problems.append("at most \(maxLabels) labels per record; got \(labels.count)") }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            let shown = String(key.prefix(maxCharacters + 1))
            if key.hasPrefix(reservedPrefix) {
                guard reservedKeys.contains(key) else {
                    problems.append(
                        "label \(shown): keys under \(reservedPrefix) are Marketplace's; only "
                            + reservedKeys.sorted().joined(separator: " and ") + " may be sent"
                    )
                    continue
                }
                if value.isEmpty || !isValue(value) {
                    problems.append("label \(shown): value must be 1–63 lowercase letters, digits, '_' or '-'")
                }
                continue
            }
            if !isKey(key) {
                problems.append(
                    "label \(shown): a key is 1–63 lowercase letters, digits, '_' or '-', starting with a letter"
                )
            } else if key.hasPrefix("goog") {
                problems.append("label \(shown): keys starting with goog are reserved by Google")
            } else if !isValue(value) {
                problems.append("label \(shown): value must be 0–63 lowercase letters, digits, '_' or '-'")
            }
        }
        return problems
    }

    /// Google's key syntax: a lowercase letter (any script's), then lowercase letters, digits, '_', '-'.
    static func isKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, isLowercaseLetter(first) else { return false }
        return isValue(key)
    }

    /// Google's value syntax: 0–63 lowercase letters (any script's), digits, '_' or '-'.
    static func isValue(_ value: String) -> Bool {
        guard value.unicodeScalars.count <= maxCharacters, value.utf8.count <= maxBytes else { return false }
        return value.unicodeScalars.allSatisfy {
            isLowercaseLetter($0) || $0.properties.numericType != nil || $0 == "_" || $0 == "-"
        }
    }

    /// `\p{Ll}` or `\p{Lo}`: a lowercase letter, or a letter of a script without case.
    private static func isLowercaseLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .lowercaseLetter, .otherLetter: true
        default: false
        }
    }
}
