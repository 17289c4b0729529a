import Entitle
import EntitleTestSupport
import Foundation
import Testing

/// Agent clients' secrets at rest: sealed with the current key, opened by any configured key, and
/// refused when altered or when their key is gone.
@Suite(.paced) struct CredentialSealTests {
    let old = "c8f1a9e2b7d40356f1e2a9c8b7d60345"
    let new = "4e7b2d9c1a8f6035e2d7c9b1a4f80236"

    @Test("a sealed value opens again, and is not the plain text")
    func roundTrip() throws {
        let seal = CredentialSeal(secrets: [new])
        let sealed = try seal.seal(Data("client-secret-123".utf8))
        #expect(!sealed.contains("client-secret-123") && sealed.hasPrefix("v1."))
        #expect(String(decoding: try seal.open(sealed), as: UTF8.self) == "client-secret-123")
        let once = try seal.seal(Data("x".utf8))
        #expect(try seal.seal(Data("x".utf8)) != once, "a fresh nonce each time")
    }

    @Test("rotation: what the old key sealed opens while it is still configured, and not after")
    func rotation() throws {
        let sealed = try CredentialSeal(secrets: [old]).seal(Data("s".utf8))
        let rotating = CredentialSeal(secrets: [new, old])
        #expect(try rotating.open(sealed) == Data("s".utf8))
        let resealed = try rotating.seal(Data("s".utf8))
        #expect(!rotating.isCurrent(sealed) && rotating.isCurrent(resealed))
        #expect(throws: CredentialSeal.Failure.self) { try CredentialSeal(secrets: [new]).open(sealed) }
    }

    @Test("an altered value, or garbage, does not open")
    func altered() throws {
        let seal = CredentialSeal(secrets: [new])
        let sealed = try seal.seal(Data("secret".utf8))
        var bytes = Array(sealed)
        let index = bytes.count - 5
        bytes[index] = bytes[index] == "A" ? "B" : "A"
        #expect(throws: CredentialSeal.Failure.self) { try seal.open(String(bytes)) }
        #expect(throws: CredentialSeal.Failure.self) { try seal.open("v1.deadbeef.notbase64!") }
        #expect(throws: CredentialSeal.Failure.self) { try seal.open("plain") }
    }
}
