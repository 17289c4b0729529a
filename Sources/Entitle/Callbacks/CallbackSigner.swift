import Crypto
public import Foundation

/// Signs callback bodies so the vendor's app can tell Entitle's calls from forgeries:
/// `Entitle-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The time
/// is inside the signed text, so a captured call cannot be replayed later than the receiver's
/// tolerance (docs/integrating.md, "Verifying callbacks"). While a secret is being rotated there
/// are two, and each callback carries a `v1` made with each (the current one first), so an app
/// that knows either accepts it.
public struct CallbackSigner: Sendable {
    public static let header = "Entitle-Signature"
    private let keys: [SymmetricKey]

    public init(secret: String) {
        self.init(secrets: [secret])
    }

    /// The current secret first, then the one being retired (`callbackSecretPrevious`).
    public init(secrets: [String]) {
        keys = secrets.map { SymmetricKey(data: Data($0.utf8)) }
    }

    public func signature(body: Data, timestamp: Int) -> String {
        (["t=\(timestamp)"] + keys.map { "v1=" + Self.hex(mac(body: body, timestamp: timestamp, key: $0)) })
            .joined(separator: ",")
    }

    /// Whether `header` is a valid signature of `body` made within `tolerance` seconds of `now`.
    public func verify(header: String, body: Data, now: Date = Date(), tolerance: TimeInterval = 300) -> Bool {
        var timestamp: Int?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        return signatures.contains { candidate in
            guard let bytes = Self.bytes(hex: candidate) else { return false }
            // Compared in constant time by swift-crypto.
            return keys.contains { key in
                HMAC<SHA256>.isValidAuthenticationCode(
                    bytes,
                    authenticating: Data("\(timestamp).".utf8) + body,
                    using: key
                )
            }
        }
    }

    private func mac(body: Data, timestamp: Int, key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).".utf8) + body, using: key))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func bytes(hex: String) -> [UInt8]? {
        guard hex.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
