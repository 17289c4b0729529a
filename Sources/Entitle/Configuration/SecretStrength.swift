import Foundation

/// Whether a secret could be guessed: the admin token, app keys and the callback secret are the
/// only thing between the internet and customers' data, so one a person made up is refused at start.
enum SecretStrength {
    /// The shortest secret Entitle takes: 16 characters (a random UUID is 36).
    static let minimumLength = 16
    /// Fewer distinct characters than this is a pattern (`aaaa…`, `abab…`), not a random value:
    /// 16 random hex digits have fewer than 8 distinct ones about once in 30,000 draws.
    static let minimumDistinct = 8

    /// Words people build secrets from; with a year, digits and separators, nothing else is guessable.
    static let words = [
        "admin", "administrator", "entitle", "password", "passwd", "secret", "token", "changeme", "change", "me",
        "letmein", "welcome", "qwerty", "default", "test", "key", "api", "marketplace", "google", "root", "prod",
        "production", "staging", "dev", "callback", "webhook", "usage", "metrics", "login", "master", "the", "my",
    ]

    /// Why `secret` is refused, or nil.
    static func problem(_ secret: String) -> String? {
        let trimmed = secret.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= minimumLength else {
            return "is \(trimmed.count) characters; use at least \(minimumLength) random ones"
        }
        guard Set(trimmed).count >= minimumDistinct else {
            return "has only \(Set(trimmed).count) distinct characters; use a random value (openssl rand -hex 32)"
        }
        if isWordsAndYear(trimmed.lowercased()) {
            return
                "is made of common words and a year, which is guessed first; use a random value (openssl rand -hex 32)"
        }
        return nil
    }

    /// Common words only, once separators and digits are gone, and a year among the digits
    /// (`entitle-admin-2024`, `Password2025!`).
    static func isWordsAndYear(_ text: String) -> Bool {
        let digits = text.split { !$0.isNumber }.map(String.init)
        guard digits.contains(where: { $0.count == 4 && ($0.hasPrefix("19") || $0.hasPrefix("20")) }) else {
            return false
        }
        let letters = text.filter(\.isLetter)
        return !letters.isEmpty && isWords(Substring(letters))
    }

    /// Whether `letters` is a sequence of `words` (a small dynamic programme over prefixes).
    private static func isWords(_ letters: Substring) -> Bool {
        var reachable = [true] + Array(repeating: false, count: letters.count)
        let characters = Array(letters)
        for end in 1...characters.count {
            for word in words where word.count <= end && reachable[end - word.count] {
                if String(characters[(end - word.count)..<end]) == word {
                    reachable[end] = true
                    break
                }
            }
        }
        return reachable[characters.count]
    }
}
