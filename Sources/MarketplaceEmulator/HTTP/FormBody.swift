import Foundation
import Hummingbird
import NIOCore

/// `application/x-www-form-urlencoded` request bodies (the token endpoint, the buyer page).
enum FormBody {
    /// Forms here are small; a larger body is refused rather than read.
    static let maxBytes = 64 * 1024

    static func read(_ request: Request) async throws -> [String: String] {
        var request = request
        return parse(String(buffer: try await request.collectBody(upTo: maxBytes)))
    }

    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let name = parts.first { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}
