import Foundation
import HTTPTypes
import Hummingbird
import MarketplaceCore

/// The bodies the admin API accepts, read strictly: an administrator's typo must be an error,
/// not a silently different decision.
enum AdminRequestBody {
    static let maxBytes = 64 * 1024

    /// `{"reason": "…"}`, `{}` or no body. An unknown field is refused: a misspelt `reason` would
    /// otherwise reject the order with the default text shown to the buyer.
    static func reason(of request: Request) async throws -> String? {
        try await field("reason", of: request)
    }

    /// `{"<name>": "…"}`, `{"<name>": null}`, `{}` or no body: the one string field, or nil.
    static func field(_ name: String, of request: Request) async throws -> String? {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maxBytes) } catch {
            throw APIProblem(.contentTooLarge, "the body is at most \(maxBytes) bytes")
        }
        let data = Data(buffer.readableBytesView)
        if data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { return nil }
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw APIProblem(.badRequest, #"the body is not a JSON object; expected {"\#(name)": "…"} or nothing"#)
        }
        let unknown = object.keys.filter { $0 != name }.sorted()
        guard unknown.isEmpty else {
            throw APIProblem(
                .badRequest,
                "unknown field \(unknown.joined(separator: ", ")); the only field is \"\(name)\""
            )
        }
        switch object[name] {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw APIProblem(.badRequest, "\"\(name)\" must be a string")
        }
    }
}
