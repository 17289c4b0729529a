import CryptoExtras
import Foundation

/// The emulator's keys: Marketplace's sign-up signing key (published as an x509 map), Google's OIDC
/// key for push tokens, and the service account whose key file `entitle emulator --print-credentials` writes.
struct EmulatorIdentity: Sendable {
    /// contract §4.2: the constant issuer of sign-up tokens, identical to production.
    static let signupIssuer =
        "https://www.googleapis.com/robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"
    /// contract §7.2: Google's libraries always put this audience in their assertions.
    static let googleTokenAudience = "https://oauth2.googleapis.com/token"

    /// contract §6: push requests carry an OIDC token from Google's accounts issuer.
    static let oidcIssuer = "https://accounts.google.com"

    let signup: SigningKey
    /// Signs Gemini Enterprise's software statements (agent registration) until rotated.
    let agentspace: SigningKey
    /// Signs push OIDC tokens; published at `/oauth2/v1/certs` and `/oauth2/v3/certs`.
    let oidc: SigningKey
    let serviceAccount: SigningKey
    let serviceAccountEmail: String
    let projectID: String

    init(projectID: String, existingKey: ServiceAccountKeyFile?, signupKey: SigningKey? = nil) throws {
        signup =
            try signupKey
            ?? SigningKey.shared("signup", commonName: "cloud-commerce-partner@system.gserviceaccount.com")
        oidc = try SigningKey.shared("oidc", commonName: "accounts.google.com")
        agentspace = try SigningKey.shared("agentspace", commonName: "cloud-agentspace@system.gserviceaccount.com")
        if let existingKey {
            serviceAccount = try SigningKey(pkcs8PEM: existingKey.private_key, kid: existingKey.private_key_id)
            serviceAccountEmail = existingKey.client_email
            self.projectID = existingKey.project_id
        } else {
            serviceAccount = try SigningKey.shared("service-account", commonName: "entitle-emulator")
            serviceAccountEmail = "marketplace-partner@\(projectID).iam.gserviceaccount.com"
            self.projectID = projectID
        }
    }

    /// A numeric id, as Google gives service accounts, derived from the key id so that it is the
    /// same on every run (`hashValue` is seeded per process).
    var clientID: String {
        String(UInt64(serviceAccount.kid.prefix(15), radix: 16) ?? 0)
    }

    /// The key file for `serviceAccount`, with `token_uri` at `base`.
    func keyFile(base: URL) throws -> ServiceAccountKeyFile {
        ServiceAccountKeyFile(
            project_id: projectID,
            private_key_id: serviceAccount.kid,
            private_key: serviceAccount.privateKey.pkcs8PEMRepresentation,
            client_email: serviceAccountEmail,
            client_id: clientID,
            token_uri: base.appendingPathComponent("token").absoluteString,
            // Where Google publishes a service account's public keys; the emulator serves the same path.
            client_x509_cert_url: base.appendingPathComponent("robot/v1/metadata/x509/\(serviceAccountEmail)")
                .absoluteString
        )
    }
}
