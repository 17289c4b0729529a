import CryptoExtras
import Foundation
import JWTKit
import SwiftASN1
import Synchronization
import X509

/// An RSA-2048 key with its id and a self-signed certificate, as Google publishes its signing keys
/// (`{kid: PEM certificate}` maps, contract §4.3). Generated when the emulator starts.
struct SigningKey: Sendable {
    let kid: String
    let privateKey: _RSA.Signing.PrivateKey
    let certificatePEM: String

    init(commonName: String, kid: String? = nil) throws {
        privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        self.kid = kid ?? Self.randomKid()
        certificatePEM = try Self.selfSignedCertificate(privateKey, commonName: commonName)
    }

    /// Wraps an existing key (a service-account key file or saved state read back); a
    /// certificate is made for it when none is given, so its public half can be published.
    init(pkcs8PEM: String, kid: String, certificatePEM: String = "", commonName: String = "entitle-emulator") throws {
        privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pkcs8PEM)
        self.kid = kid
        self.certificatePEM =
            certificatePEM.isEmpty ? try Self.selfSignedCertificate(privateKey, commonName: commonName) : certificatePEM
    }

    private static func selfSignedCertificate(
        _ privateKey: _RSA.Signing.PrivateKey,
        commonName: String
    ) throws -> String {
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(privateKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: Certificate.Extensions {},
            issuerPrivateKey: Certificate.PrivateKey(privateKey)
        )
        return try certificate.serializeAsPEM().pemString
    }

    // jwt-kit's keys are noncopyable: made on demand rather than stored.
    func jwtPrivateKey() throws -> JWTKit.Insecure.RSA.PrivateKey {
        try JWTKit.Insecure.RSA.PrivateKey(backing: privateKey)
    }

    func jwtPublicKey() throws -> JWTKit.Insecure.RSA.PublicKey {
        try JWTKit.Insecure.RSA.PublicKey(backing: privateKey.publicKey)
    }

    /// Signs `payload` as an RS256 JWT with this key's `kid` in the header.
    func sign(_ payload: some JWTPayload) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(rsa: try jwtPrivateKey(), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        return try await keys.sign(payload, kid: JWKIdentifier(string: kid))
    }

    /// One key per purpose per process. RSA generation is slow (hundreds of milliseconds in debug
    /// builds) and a test suite starts hundreds of emulators; they may share keys, since each only
    /// ever verifies what it signed itself.
    static func shared(_ purpose: String, commonName: String) throws -> SigningKey {
        try cache.withLock { keys in
            if let key = keys[purpose] { return key }
            let key = try SigningKey(commonName: commonName)
            keys[purpose] = key
            return key
        }
    }

    private static let cache = Mutex<[String: SigningKey]>([:])

    static func randomKid() -> String {
        (0..<20).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
