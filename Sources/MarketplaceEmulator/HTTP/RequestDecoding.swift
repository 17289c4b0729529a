import Foundation
import Hummingbird
import NIOCore

/// Reads JSON request bodies strictly enough to answer bad input the way Google does (400
/// INVALID_ARGUMENT naming the problem), and no larger than Google accepts.
enum RequestDecoding {
    /// Google's APIs refuse request bodies over about 10 MB; the emulator refuses them at this size.
    static let maxBodyBytes = 10 * 1024 * 1024

    /// - Parameter schema: the discovery document's schema of the body (`pubsub.Subscription`):
    ///   a field it does not name is refused as Google refuses it.
    static func decode<T: Decodable>(
        _ type: T.Type,
        from request: Request,
        schema: String? = nil,
        allowEmpty: Bool = true,
        maxBytes: Int = maxBodyBytes,
        tooLarge: GoogleAPIError? = nil
    ) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBytes)
        } catch {
            throw tooLarge
                ?? GoogleAPIError(
                    code: 413,
                    status: "INVALID_ARGUMENT",
                    message: "Request body larger than \(maxBytes) bytes"
                )
        }
        var data = Data(buffer.readableBytesView)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard allowEmpty else { throw GoogleAPIError.invalidArgument("Request body is empty") }
            data = Data("{}".utf8)
        }
        if let schema, let object = try? JSONSerialization.jsonObject(with: data) {
            try UnknownFields.check(object, schema: schema, path: [])
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw GoogleAPIError.invalidArgument("Invalid JSON payload received. \(describe(error))")
        } catch {
            throw GoogleAPIError.invalidArgument("Invalid JSON payload received.")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
            .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension Request {
    /// The query parameter `name`, decoded as Google's front end decodes it: `+` is a space (what
    /// Python's requests, Go, Java and Google's own clients send), then percent-escapes.
    func query(_ name: String) -> String? {
        guard let raw = uri.query else { return nil }
        for pair in raw.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts.first.map({ Self.formDecoded(String($0)) }), key == name else { continue }
            return parts.count == 2 ? Self.formDecoded(String(parts[1])) : ""
        }
        return nil
    }

    static func formDecoded(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The query parameter `name` as an integer in `range`, or nil when absent.
    func integerQuery(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = query(name), !text.isEmpty else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw GoogleAPIError.invalidArgument("Invalid value for \(name): \(text)")
        }
        return value
    }
}

extension RequestContext {
    /// The path component `name`, split into the resource id and an optional `:verb` suffix
    /// (Google's custom methods: `entitlements/abc:approve`).
    func resourceAndVerb(_ name: String) throws -> (id: String, verb: String?) {
        guard let component = parameters.get(name), !component.isEmpty else {
            throw GoogleAPIError.invalidArgument("Missing \(name) in path")
        }
        guard let colon = component.lastIndex(of: ":") else { return (component, nil) }
        return (String(component[..<colon]), String(component[component.index(after: colon)...]))
    }
}
