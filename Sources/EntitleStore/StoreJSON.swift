import Foundation

/// How records and maps are kept as text in every store: JSON with sorted keys, so equal values
/// give equal text (labels are compared and grouped by their text).
enum StoreJSON {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A usage record's labels as kept. Most records have none, and the text of none is always
    /// `{}`: intake makes no encoder for them (it did, one per record).
    static func labels(_ labels: [String: String]) throws -> String {
        labels.isEmpty ? "{}" : try encode(labels)
    }

    static func decode<Value: Decodable>(_ text: String) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(text.utf8))
    }
}
