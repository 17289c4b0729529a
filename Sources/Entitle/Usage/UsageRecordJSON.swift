import Foundation
import MarketplaceCore

/// One usage record as JSON on `POST /v1/usage`. Read strictly: an unknown field is an error, so a
/// misspelt `quantity` or `labels` is not silently dropped from a bill. Decoded straight from the
/// request's bytes, never through `Double`: a quantity is an exact `Int64` (9007199254740993 stays
/// …993, and 9223372036854775807 is a quantity like any other).
struct UsageRecordJSON: Decodable {
    var entitlementId: String?
    var accountId: String?
    var product: String?
    /// An agent order's OAuth client (a token's client id): its order's entitlement.
    var agentClientId: String?
    var metric: String
    var quantity: Int64
    /// RFC 3339; the time of receipt when absent.
    var time: String?
    var idempotencyKey: String
    var labels: [String: String]?

    static let fields: Set<String> = [
        "entitlementId", "accountId", "product", "agentClientId", "metric", "quantity", "time", "idempotencyKey",
        "labels",
    ]

    struct Malformed: Error {
        var message: String
    }

    /// A single record, or `{"records": [...]}`.
    static func parse(_ data: Data) throws(Malformed) -> [UsageRecordJSON] {
        do {
            return try JSONDecoder().decode(Body.self, from: data).records
        } catch let error as Malformed {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw Malformed(message: "\(Self.position(context.codingPath)): \(key.stringValue) is required")
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty,
            let DecodingError.valueNotFound(_, context) where !context.codingPath.isEmpty,
            let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty
        {
            throw Malformed(message: "\(Self.position(context.codingPath)): \(Self.expectation(context.codingPath))")
        } catch {
            throw Malformed(message: #"the body is not a JSON object: send one record or {"records": [...]}"#)
        }
    }

    /// "record 3" from a coding path such as `records[3].quantity` (a single record is record 0).
    static func position(_ path: [any CodingKey]) -> String {
        "record \(path.lazy.compactMap(\.intValue).first ?? 0)"
    }

    /// What the field at the end of `path` must be.
    static func expectation(_ path: [any CodingKey]) -> String {
        let field = path.last { $0.intValue == nil && $0.stringValue != "records" }?.stringValue ?? "the record"
        switch field {
        case "quantity": return "quantity is a whole number from 0 to \(Int64.max)"
        case "labels": return "labels is a map of strings"
        case "the record": return "a record is a JSON object"
        default: return "\(field) is a string"
        }
    }

    /// The request body: one record, or `{"records": [...]}` with nothing beside `records`.
    private struct Body: Decodable {
        var records: [UsageRecordJSON]

        init(from decoder: any Decoder) throws {
            let keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
            guard keys.contains("records") else {
                records = [try UsageRecordJSON(from: decoder)]
                return
            }
            guard keys.count == 1 else {
                throw Malformed(message: #"a batch is {"records": [...]} with nothing beside "records""#)
            }
            let container = try decoder.container(keyedBy: AnyKey.self)
            guard (try? container.nestedUnkeyedContainer(forKey: AnyKey("records"))) != nil else {
                throw Malformed(message: #"a batch is {"records": [...]} with nothing beside "records""#)
            }
            records = try container.decode([UsageRecordJSON].self, forKey: AnyKey("records"))
        }
    }

    private enum CodingKeys: String, CodingKey {
        case entitlementId, accountId, product, agentClientId, metric, quantity, time, idempotencyKey, labels
    }

    init(from decoder: any Decoder) throws {
        let unknown = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue).filter {
            !Self.fields.contains($0)
        }.sorted()
        guard unknown.isEmpty else {
            throw Malformed(
                message:
                    "\(Self.position(decoder.codingPath)): unknown field \(unknown.joined(separator: ", ")); fields are \(Self.fields.sorted().joined(separator: ", "))"
            )
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        entitlementId = try c.decodeIfPresent(String.self, forKey: .entitlementId)
        accountId = try c.decodeIfPresent(String.self, forKey: .accountId)
        product = try c.decodeIfPresent(String.self, forKey: .product)
        agentClientId = try c.decodeIfPresent(String.self, forKey: .agentClientId)
        metric = try c.decode(String.self, forKey: .metric)
        quantity = try c.decode(ExactQuantity.self, forKey: .quantity).value
        time = try c.decodeIfPresent(String.self, forKey: .time)
        idempotencyKey = try c.decode(String.self, forKey: .idempotencyKey)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
    }
}

/// A quantity as an exact `Int64`. Foundation reports a number that is not one (1.5, 2^63) as
/// corrupt data at no path, so the record and field are named here.
private struct ExactQuantity: Decodable {
    var value: Int64

    init(from decoder: any Decoder) throws {
        do { value = try decoder.singleValueContainer().decode(Int64.self) } catch {
            throw UsageRecordJSON.Malformed(
                message:
                    "\(UsageRecordJSON.position(decoder.codingPath)): \(UsageRecordJSON.expectation(decoder.codingPath))"
            )
        }
    }
}

/// Any key of a JSON object, to see which keys it has.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
