import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A failed call to a running emulator: printed as the message alone, without the usage text.
struct EmulatorCallError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Where a running emulator is, for the buyer verbs.
struct EmulatorLocation: ParsableArguments {
    @Option(help: "Base URL of a running emulator.")
    var url = "http://127.0.0.1:8085/"

    /// Sends one control-API call and prints the JSON answer.
    /// - Throws: `ValidationError` with the emulator's answer when it is not 2xx.
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws {
        guard let base = URL(string: url.hasSuffix("/") ? url : url + "/"), let target = URL(string: path, relativeTo: base) else {
            throw ValidationError("--url \(url) is not a URL")
        }
        var request = HTTPClientRequest(url: target.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        } catch {
            throw EmulatorCallError(message: "cannot reach the emulator at \(base): \(error). Start it with `entitle emulator`.")
        }
        let text = String(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
        guard (200..<300).contains(response.status.code) else {
            throw EmulatorCallError(message: "the emulator answered \(response.status.code): \(text)")
        }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
