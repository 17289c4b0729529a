public import Foundation

/// Where each Google API lives. Production values are Google's; pointing every URL at the
/// emulator is how tests and sandbox mode run (the seam for Google is the base URL).
public struct GoogleEndpoints: Hashable, Sendable {
    public var procurement: URL
    public var pubSub: URL
    public var serviceControl: URL
    public var oauthToken: URL
    /// The pinned x509 key map for sign-up tokens (contract §4.3): never taken from a token.
    public var signupCertificates: URL
    /// Google's OAuth2 certificates, which sign Pub/Sub push OIDC tokens (contract §6).
    public var oidcCertificates: URL
    /// Identity-Aware Proxy's ES256 keys, as a JWK set (the admin console behind IAP).
    public var iapKeys: URL
    /// The pinned x509 key map of Gemini Enterprise's software statements (agent registration),
    /// which is also their issuer.
    public var agentspaceCertificates: URL

    public init(
        procurement: URL,
        pubSub: URL,
        serviceControl: URL,
        oauthToken: URL,
        signupCertificates: URL,
        oidcCertificates: URL,
        iapKeys: URL = URL(string: "https://www.gstatic.com/" + iapKeyPath)!,
        agentspaceCertificates: URL = URL(string: "https://www.googleapis.com/" + agentspaceCertificatePath)!
    ) {
        self.iapKeys = iapKeys
        self.agentspaceCertificates = agentspaceCertificates
        self.procurement = procurement
        self.pubSub = pubSub
        self.serviceControl = serviceControl
        self.oauthToken = oauthToken
        self.signupCertificates = signupCertificates
        self.oidcCertificates = oidcCertificates
    }

    /// Google's production endpoints (contract §0, §4.3, §7.2).
    public static let google = GoogleEndpoints(
        procurement: URL(string: "https://cloudcommerceprocurement.googleapis.com/")!,
        pubSub: URL(string: "https://pubsub.googleapis.com/")!,
        serviceControl: URL(string: "https://servicecontrol.googleapis.com/")!,
        oauthToken: URL(string: "https://oauth2.googleapis.com/token")!,
        signupCertificates: URL(string: signupCertificatePath, relativeTo: URL(string: "https://www.googleapis.com/")!)!
            .absoluteURL,
        oidcCertificates: URL(string: "https://www.googleapis.com/" + oidcCertificatePath)!
    )

    /// Google's OAuth2 certificates as `{kid: PEM}`; the emulator serves the same path.
    public static let oidcCertificatePath = "oauth2/v1/certs"
    public static let iapKeyPath = "iap/verify/public_key-jwk"

    /// The path of the sign-up key map; the emulator serves the same path on its own host.
    public static let signupCertificatePath =
        "robot/v1/metadata/x509/cloud-commerce-partner@system.gserviceaccount.com"

    /// The path of Gemini Enterprise's statement key map; the emulator serves the same path.
    public static let agentspaceCertificatePath =
        "service_accounts/v1/metadata/x509/cloud-agentspace@system.gserviceaccount.com"

    /// Every API on one base URL, as the emulator serves them.
    public static func emulator(at base: URL) -> GoogleEndpoints {
        GoogleEndpoints(
            procurement: base,
            pubSub: base,
            serviceControl: base,
            oauthToken: base.appendingPathComponent("token"),
            signupCertificates: base.appendingPathComponent(signupCertificatePath),
            oidcCertificates: base.appendingPathComponent(oidcCertificatePath),
            iapKeys: base.appendingPathComponent(iapKeyPath),
            agentspaceCertificates: base.appendingPathComponent(agentspaceCertificatePath)
        )
    }
}
