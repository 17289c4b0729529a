import Foundation
import MarketplaceCore

/// Google's front end refuses a request body naming a field its schema does not have:
/// `400 INVALID_ARGUMENT "Invalid JSON payload received. Unknown name "x" at 'push_config':
/// Cannot find field."`, with a `BadRequest` detail naming the field. A misspelt field is thus an
/// error against Google, not a silently ignored setting; the emulator answers the same.
enum UnknownFields {
    static func check(_ value: Any, schema: String, path: [String]) throws(GoogleAPIError) {
        if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                try check(element, schema: schema, path: path.dropLast() + ["\(path.last ?? "")[\(index)]"])
            }
            return
        }
        guard let object = value as? [String: Any], let known = RequestFields.schemas[schema], let fields = known else {
            return
        }
        for key in object.keys.sorted() {
            guard let nested = fields[key] else { throw refusal(key, path: path) }
            guard !nested.isEmpty, let child = object[key], !(child is NSNull) else { continue }
            if nested.hasPrefix("map:"), let map = child as? [String: Any] {
                for (name, item) in map {
                    try check(item, schema: String(nested.dropFirst(4)), path: path + [snake(key), name])
                }
            } else {
                try check(child, schema: nested, path: path + [snake(key)])
            }
        }
    }

    static func refusal(_ name: String, path: [String]) -> GoogleAPIError {
        let place = path.isEmpty ? "" : " at '\(path.joined(separator: "."))'"
        let message = "Invalid JSON payload received. Unknown name \"\(name)\"\(place): Cannot find field."
        var error = GoogleAPIError.invalidArgument(message)
        error.details = [
            [
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [["field": .string(path.joined(separator: ".")), "description": .string(message)]],
            ]
        ]
        return error
    }

    /// Google names fields in errors as its protos do: `pushConfig` is `push_config`.
    static func snake(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
