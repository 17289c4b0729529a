/// Why a string is not the resource name or id it was meant to be.
public enum ResourceNameError: Error, Hashable, CustomStringConvertible {
    /// The id or name was empty.
    case empty(kind: String)
    /// An id held a character ids never have (`/`, whitespace, control characters).
    case invalidID(kind: String, value: String)
    /// A full name did not have the expected shape.
    case malformedName(value: String, expected: String)

    public var description: String {
        switch self {
        case .empty(let kind):
            "\(kind) is empty"
        case .invalidID(let kind, let value):
            "\(kind) \"\(value)\" has a character ids never contain ('/', whitespace or a control character)"
        case .malformedName(let value, let expected):
            "\"\(value)\" is not a resource name of the form \(expected)"
        }
    }
}

/// The rules shared by every bare id: opaque, non-empty, one path segment.
func validatedID(_ value: String, kind: String) throws(ResourceNameError) -> String {
    guard !value.isEmpty else { throw .empty(kind: kind) }
    guard !value.unicodeScalars.contains(where: { $0 == "/" || $0.properties.isWhitespace || $0.value < 0x20 })
    else { throw .invalidID(kind: kind, value: value) }
    return value
}
