import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A failed call to a running emulator or Entitle: printed as the message alone, without the usage text.
struct EmulatorCallError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// One JSON call to a running server, the answer printed as it came.
enum JSONCall {
    /// - Throws: `EmulatorCallError` naming `server` and its answer when it is unreachable or not 2xx.
    static func send(
        base url: String,
        _ method: String,
        _ path: String,
        body: [String: Any]? = nil,
        headers: [String: String] = [:],
        server: String,
        hint: String
    ) async throws {
        guard let base = URL(string: url.hasSuffix("/") ? url : url + "/"),
            let target = URL(string: path, relativeTo: base)
        else {
            throw ValidationError("--url \(url) is not a URL")
        }
        var request = HTTPClientRequest(url: target.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        // A server that is down must fail the command at once: AsyncHTTPClient by default retries a
        // refused connection until the request's deadline (30 s of silence for a typo in --url).
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let reply: (status: UInt, text: String)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            reply = (response.status.code, String(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024)))
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw EmulatorCallError(message: "cannot reach \(server) at \(base): \(error). \(hint)")
        }
        let text = reply.text
        guard (200..<300).contains(reply.status) else {
            throw EmulatorCallError(message: "\(server) answered \(reply.status): \(text)")
        }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Where a running emulator is, for the buyer verbs.
struct EmulatorLocation: ParsableArguments {
    @Option(help: "Base URL of a running emulator.")
    var url = "http://127.0.0.1:8085/"

    /// Sends one control-API call and prints the JSON answer.
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws {
        try await JSONCall.send(
            base: url,
            method,
            path,
            body: body,
            server: "the emulator",
            hint: "Start it with `entitle emulator`."
        )
    }
}
