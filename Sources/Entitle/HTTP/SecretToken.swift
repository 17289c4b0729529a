import Foundation

/// The random values Entitle hands out (sign-up sessions, CSRF tokens, hand-off codes, console
/// sessions) and the comparison it checks presented secrets with.
enum SecretToken {
    /// 256 random bits as 64 hex characters.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Equal or not, in a time that depends only on the lengths: a byte-by-byte `==` would tell
    /// an attacker how much of a guessed token was right.
    static func equal(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
