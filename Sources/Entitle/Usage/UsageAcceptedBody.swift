import NIOCore

/// The 202 answer to `POST /v1/usage`, written straight to bytes: for a batch of 1,000 records,
/// `JSONEncoder` took as much CPU as decoding the request did (about a sixth of the request's). The
/// bytes are exactly `JSONEncoder`'s with sorted keys, escapes included (`UsageAcceptedBodyTests`
/// compares them), so nothing a client parses changes.
enum UsageAcceptedBody {
    static func bytes(_ results: [UsageAPIController.Result]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(16 + results.count * 128)
        buffer.writeStaticString(#"{"results":["#)
        for (index, result) in results.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString(#"{"idempotencyKey":"#)
            write(result.idempotencyKey, to: &buffer)
            buffer.writeStaticString(#","status":"#)
            write(result.status, to: &buffer)
            buffer.writeStaticString(#","windowEnd":"#)
            write(result.windowEnd, to: &buffer)
            buffer.writeStaticString(#","windowStart":"#)
            write(result.windowStart, to: &buffer)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString("]}")
        return buffer
    }

    /// A JSON string as `JSONEncoder` writes one: quote, backslash and slash escaped, the control
    /// characters with a short escape where JSON has one and `\u00XX` otherwise, the rest as is.
    static func write(_ text: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x2F else { continue }
                buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index])))
                start = index + 1
                switch byte {
                case 0x22: buffer.writeStaticString(#"\""#)
                case 0x5C: buffer.writeStaticString(#"\\"#)
                case 0x2F: buffer.writeStaticString(#"\/"#)
                case 0x08: buffer.writeStaticString(#"\b"#)
                case 0x0C: buffer.writeStaticString(#"\f"#)
                case 0x0A: buffer.writeStaticString(#"\n"#)
                case 0x0D: buffer.writeStaticString(#"\r"#)
                case 0x09: buffer.writeStaticString(#"\t"#)
                default:
                    buffer.writeStaticString(#"\u00"#)
                    buffer.writeInteger(hex(byte >> 4))
                    buffer.writeInteger(hex(byte & 0x0F))
                }
            }
            buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start...])))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    private static func hex(_ digit: UInt8) -> UInt8 { digit < 10 ? 0x30 + digit : 0x61 + digit - 10 }
}
