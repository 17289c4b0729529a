import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The few HTTP calls the demo makes, as a buyer's browser and an administrator would.
struct DemoHTTP: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }

        func decode<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value {
            guard (200..<300).contains(status) else { throw DemoFailure("HTTP \(status): \(text.prefix(300))") }
            return try JSONDecoder().decode(type, from: body)
        }
    }

    /// Redirects are not followed: the sign-up's 303 is the answer the demo checks.
    private static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
    )

    func send(
        _ method: HTTPMethod,
        _ url: URL,
        json: (any Encodable & Sendable)? = nil,
        form: String? = nil,
        headers: [String: String] = [:]
    ) async throws
        -> Reply
    {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(json)))
        } else if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
    }
}

/// A step of the demo that did not go as expected.
public struct DemoFailure: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
