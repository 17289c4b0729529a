import EntitleTestSupport
import Testing

@testable import Entitle

/// The tokens Entitle hands out and how it compares the ones it is shown.
@Suite(.paced) struct SecretTokenTests {
    @Test("random tokens are 256 bits in hex and never repeat")
    func random() {
        let tokens = (0..<1000).map { _ in SecretToken.random() }
        #expect(Set(tokens).count == tokens.count)
        #expect(tokens.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
    }

    @Test("equal only for the same bytes: a prefix, a longer value or one changed byte is not")
    func equal() {
        let token = SecretToken.random()
        #expect(SecretToken.equal(token, token))
        #expect(!SecretToken.equal(token, String(token.dropLast())))
        #expect(!SecretToken.equal(token, token + "0"))
        #expect(!SecretToken.equal(token, String(token.dropLast()) + (token.last == "0" ? "1" : "0")))
        #expect(!SecretToken.equal("", token) && SecretToken.equal("", ""))
    }
}
