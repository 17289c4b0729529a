import Crypto
public import Foundation

/// Seals secrets Entitle must be able to read back (an agent client's secret, which Gemini
/// Enterprise is given again on every repeat of a registration) with AES-GCM under a key derived
/// from a setting. Several keys while one is rotated: the first seals, any opens; each sealed value
/// names its key by a short digest, so opening never guesses.
public struct CredentialSeal: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let keys: [(id: String, key: SymmetricKey)]

    /// - Parameter secrets: the current secret first, then those being retired.
    public init(secrets: [String]) {
        keys = secrets.map { secret in
            let material = SymmetricKey(data: Data(secret.utf8))
            let key = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: material,
                info: Data("entitle credential seal v1".utf8),
                outputByteCount: 32
            )
            let digest = SHA256.hash(data: Data(("entitle-seal-id:" + secret).utf8))
            return (id: digest.prefix(4).map { String(format: "%02x", $0) }.joined(), key: key)
        }
    }

    /// `v1.<key id>.<base64url of nonce, ciphertext and tag>`.
    public func seal(_ plaintext: Data) throws -> String {
        guard let current = keys.first else { throw Failure(description: "no key to seal with") }
        let box = try AES.GCM.seal(plaintext, using: current.key)
        guard let combined = box.combined else { throw Failure(description: "AES-GCM gave no combined box") }
        return "v1.\(current.id).\(Self.base64URL(combined))"
    }

    public func open(_ sealed: String) throws -> Data {
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let combined = Self.data(base64URL: String(parts[2])) else {
            throw Failure(description: "not a sealed value")
        }
        guard let key = keys.first(where: { $0.id == parts[1] })?.key else {
            throw Failure(description: "sealed with key \(parts[1]), which is not among the configured keys")
        }
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: combined), using: key)
        } catch {
            throw Failure(description: "does not open with key \(parts[1]): altered, or another key of that id")
        }
    }

    /// Whether the value was sealed with the current key (rotation is complete when all are).
    public func isCurrent(_ sealed: String) -> Bool {
        guard let prefix = currentPrefix else { return false }
        return sealed.hasPrefix(prefix)
    }

    /// How every value sealed with the current key begins.
    public var currentPrefix: String? { keys.first.map { "v1.\($0.id)." } }

    /// The value opened and sealed again with the current key.
    public func reseal(_ sealed: String) throws -> String { try seal(try open(sealed)) }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
