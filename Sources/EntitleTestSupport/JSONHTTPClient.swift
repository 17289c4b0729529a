import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// A minimal JSON-over-HTTP client for tests: real requests on loopback, the status and body handed
/// back as they came, so tests can check Google's wire format byte for byte.
public struct JSONHTTPClient: Sendable {
    public let baseURL: URL
    /// Sent with every request unless a request sets the same header.
    public let headers: [String: String]

    public init(baseURL: URL, headers: [String: String] = [:]) {
        self.baseURL = baseURL
        self.headers = headers
    }

    /// One process-lifetime client that never follows redirects, so tests see each exchange as it is.
    private static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
    )

    /// The same client without default headers (an unauthenticated caller).
    public var anonymous: JSONHTTPClient { JSONHTTPClient(baseURL: baseURL) }

    /// One exchange. `body` is encoded as JSON; `raw` is sent as it is.
    public func send(
        _ method: String,
        _ path: String,
        body: (any Encodable & Sendable)? = nil,
        raw: Data? = nil,
        headers: [String: String] = [:]
    ) async throws -> HTTPReply {
        let url = URL(string: path, relativeTo: baseURL)!.absoluteString
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in self.headers.merging(headers, uniquingKeysWith: { $1 }) {
            request.headers.add(name: name, value: value)
        }
        if let body {
            let encoder = JSONEncoder()
            request.body = .bytes(ByteBuffer(bytes: try encoder.encode(body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        } else if let raw {
            request.body = .bytes(ByteBuffer(bytes: raw))
        }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        var replyHeaders: [String: String] = [:]
        for header in response.headers { replyHeaders[header.name.lowercased()] = header.value }
        return HTTPReply(
            status: Int(response.status.code),
            headers: replyHeaders,
            setCookies: response.headers["set-cookie"],
            body: Data(bytes.readableBytesView)
        )
    }

    public func get(_ path: String) async throws -> HTTPReply { try await send("GET", path) }

    public func post(_ path: String, _ body: (any Encodable & Sendable)? = nil) async throws -> HTTPReply {
        try await send("POST", path, body: body ?? [String: String]())
    }
}

/// A response: status and body.
public struct HTTPReply: Sendable, CustomStringConvertible {
    public let status: Int
    /// Header names lower-cased.
    public let headers: [String: String]
    /// Every `Set-Cookie` field, in order (`headers` keeps only the last).
    public let setCookies: [String]
    public let body: Data

    public init(status: Int, headers: [String: String], setCookies: [String] = [], body: Data) {
        self.status = status
        self.headers = headers
        self.setCookies = setCookies
        self.body = body
    }

    /// Cookie name → value of the `Set-Cookie` fields.
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for field in setCookies {
            let pair = field.split(separator: ";").first?.split(separator: "=", maxSplits: 1) ?? []
            if pair.count == 2 { cookies[pair[0].trimmingCharacters(in: .whitespaces)] = String(pair[1]) }
        }
        return cookies
    }

    /// The body decoded as `T`.
    /// - Throws: a `DecodingError`, or `HTTPReplyError` when the status is not 2xx.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        guard (200..<300).contains(status) else { throw HTTPReplyError(reply: self) }
        return try JSONDecoder().decode(type, from: body)
    }

    /// The `{"error":{...}}` body Google's APIs answer with.
    public var googleError: GoogleErrorBody? {
        try? JSONDecoder().decode(GoogleErrorEnvelope.self, from: body).error
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var description: String { "\(status) \(text)" }
}

public struct HTTPReplyError: Error, CustomStringConvertible {
    public let reply: HTTPReply
    public var description: String { "unexpected HTTP \(reply)" }
}

public struct GoogleErrorBody: Decodable, Sendable, Equatable {
    public var code: Int
    public var message: String
    public var status: String
}

struct GoogleErrorEnvelope: Decodable {
    var error: GoogleErrorBody
}
