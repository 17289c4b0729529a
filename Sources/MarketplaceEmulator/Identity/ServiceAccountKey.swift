public import Foundation

/// A Google service-account key file (contract §7.1) whose `token_uri` points at the emulator, so
/// Google's own client libraries obtain tokens from it unchanged.
public struct ServiceAccountKeyFile: Codable, Hashable, Sendable {
    public var type = "service_account"
    public var project_id: String
    public var private_key_id: String
    /// PKCS#8 PEM.
    public var private_key: String
    public var client_email: String
    public var client_id: String
    public var auth_uri = "https://accounts.google.com/o/oauth2/auth"
    public var token_uri: String
    public var auth_provider_x509_cert_url = "https://www.googleapis.com/oauth2/v1/certs"
    public var client_x509_cert_url: String
    public var universe_domain = "googleapis.com"

    /// The key file as pretty JSON, ready to write.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
