import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A JSON response of Entitle's APIs (keys sorted, so answers diff cleanly).
enum JSONReply {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }
}
