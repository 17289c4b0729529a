import CryptoExtras
import Foundation
import MarketplaceCore
import OwnerOnlyFiles

/// Everything the emulator knows, as one JSON document for `--state FILE`. The sign-up key is
/// included so that tokens minted and certificates cached before a restart stay valid.
struct EmulatorSnapshot: Codable, Sendable {
    struct StoredKey: Codable, Sendable {
        var kid: String
        var pkcs8PEM: String
        var certificatePEM: String
    }

    static let currentVersion = 1

    var version = currentVersion
    var provider: String
    var clockOffsetMicros: Int64
    var accounts: [String: AccountRecord]
    var accountOrder: [String]
    var entitlements: [String: EntitlementRecord]
    var entitlementOrder: [String]
    var pubsub: PubSubState
    var usage: UsageLedger
    var faults: FaultPlan
    var faultRandom: SeededRandom
    var accessTokens: [String: Timestamp]
    var creationNumbers: [String: Int]
    var consumers: [String: String]
    var lastStamp: Timestamp
    var idCounter: Int
    var signupKey: StoredKey

    /// Reads a state file; nil when it does not exist yet.
    /// - Throws: `CatalogError`-style message naming the file when it exists but cannot be used.
    static func load(from path: String, provider: ProviderID) throws -> EmulatorSnapshot? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let snapshot: EmulatorSnapshot
        do {
            snapshot = try JSONDecoder().decode(EmulatorSnapshot.self, from: data)
        } catch {
            throw CatalogError(message: "state file \(path) is not an emulator state: \(error)")
        }
        guard snapshot.version == currentVersion else {
            throw CatalogError(
                message: "state file \(path) has version \(snapshot.version); this emulator reads \(currentVersion)"
            )
        }
        guard snapshot.provider == provider.rawValue else {
            throw CatalogError(message: "state file \(path) belongs to provider \(snapshot.provider), not \(provider)")
        }
        return snapshot
    }

    var signingKey: SigningKey {
        get throws {
            try SigningKey(pkcs8PEM: signupKey.pkcs8PEM, kid: signupKey.kid, certificatePEM: signupKey.certificatePEM)
        }
    }
}

extension EmulatorState {
    func snapshot(keys identity: EmulatorIdentity) -> EmulatorSnapshot {
        EmulatorSnapshot(
            provider: provider.rawValue,
            clockOffsetMicros: clock.offset,
            accounts: accounts,
            accountOrder: accountOrder,
            entitlements: entitlements,
            entitlementOrder: entitlementOrder,
            pubsub: pubsub,
            usage: usage,
            faults: faults,
            faultRandom: faultRandom,
            accessTokens: accessTokens,
            creationNumbers: creationNumbers,
            consumers: consumers,
            lastStamp: lastStamp,
            idCounter: idCounter,
            signupKey: .init(
                kid: identity.signup.kid,
                pkcs8PEM: identity.signup.privateKey.pkcs8PEMRepresentation,
                certificatePEM: identity.signup.certificatePEM
            )
        )
    }

    /// Writes the state atomically (a temporary file renamed over the old one), owner-only (it holds
    /// the emulator's private keys), when it changed since the last write.
    func save(to path: String, keys identity: EmulatorIdentity, force: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(snapshot(keys: identity))
        guard force || data != lastSaved else { return }
        try OwnerOnlyFile.write(data, to: path)
        lastSaved = data
    }
}
