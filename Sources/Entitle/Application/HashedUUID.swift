import Crypto
import Foundation

/// UUIDs derived from names rather than drawn at random, for ids that must come out the same
/// every time the same thing is described (callback ids, usage operation ids).
enum HashedUUID {
    /// RFC 9562 version 5: SHA-1 of namespace and name.
    static func v5(namespace: [UInt8], name: String) -> String {
        text(Array(Insecure.SHA1.hash(data: Data(namespace + Array(name.utf8))).prefix(16)), version: 0x50)
    }

    /// RFC 9562 version 8 ("custom"): SHA-256 of the parts, joined by a unit separator.
    static func v8(_ parts: [String]) -> String {
        text(Array(SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8)).prefix(16)), version: 0x80)
    }

    private static func text(_ digest: [UInt8], version: UInt8) -> String {
        var bytes = digest
        bytes[6] = (bytes[6] & 0x0F) | version
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let groups = [
            hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4),
            hex.dropFirst(20),
        ]
        return groups.joined(separator: "-")
    }
}
