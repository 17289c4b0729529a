import Foundation
import MarketplaceCore

/// One usage record as JSON on `POST /v1/usage`. Read strictly: an unknown field is an error, so a
/// misspelt `quantity` or `labels` is not silently dropped from a bill.
struct UsageRecordJSON: Codable {
    var entitlementId: String?
    var accountId: String?
    var product: String?
    var metric: String
    var quantity: Int64
    /// RFC 3339; the time of receipt when absent.
    var time: String?
    var idempotencyKey: String
    var labels: [String: String]?

    static let fields: Set<String> = ["entitlementId", "accountId", "product", "metric", "quantity", "time", "idempotencyKey", "labels"]

    struct Malformed: Error {
        var message: String
    }

    /// A single record, or `{"records": [...]}`.
    static func parse(_ data: Data) throws(Malformed) -> [UsageRecordJSON] {
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw Malformed(message: #"the body is not a JSON object: send one record or {"records": [...]}"#)
        }
        if object.keys.contains("records") {
            guard object.count == 1, case .array(let items)? = object["records"] else {
                throw Malformed(message: #"a batch is {"records": [...]} with nothing beside "records""#)
            }
            var records: [UsageRecordJSON] = []
            for (index, item) in items.enumerated() { records.append(try record(item, at: index)) }
            return records
        }
        return [try record(.object(object), at: 0)]
    }

    private static func record(_ value: JSONValue, at index: Int) throws(Malformed) -> UsageRecordJSON {
        guard case .object(let fields) = value else { throw Malformed(message: "record \(index) is not a JSON object") }
        let unknown = fields.keys.filter { !Self.fields.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw Malformed(
                message:
                    "record \(index): unknown field \(unknown.joined(separator: ", ")); fields are \(Self.fields.sorted().joined(separator: ", "))"
            )
        }
        do {
            return try JSONDecoder().decode(UsageRecordJSON.self, from: JSONEncoder().encode(value))
        } catch let DecodingError.keyNotFound(key, _) {
            throw Malformed(message: "record \(index): \(key.stringValue) is required")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw Malformed(message: "record \(index): \(field) has the wrong type (quantity is a whole number, labels a map of strings)")
        } catch {
            throw Malformed(message: "record \(index): \(error)")
        }
    }
}
