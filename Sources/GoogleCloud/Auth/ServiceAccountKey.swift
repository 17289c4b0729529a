public import Foundation

/// A service-account key file (contract §7.1). Only `client_email`, `private_key` and
/// `token_uri` are needed; the rest is kept for display.
public struct ServiceAccountKey: Codable, Hashable, Sendable {
    public var type: String?
    public var project_id: String?
    public var private_key_id: String?
    public var private_key: String
    public var client_email: String
    public var client_id: String?
    public var token_uri: String?

    public init(
        privateKey: String,
        clientEmail: String,
        privateKeyID: String? = nil,
        tokenURI: String? = nil,
        projectID: String? = nil
    ) {
        type = "service_account"
        private_key = privateKey
        client_email = clientEmail
        private_key_id = privateKeyID
        token_uri = tokenURI
        project_id = projectID
    }

    /// Reads and checks a key file.
    /// - Throws: `CredentialsError.unreadableKeyFile` naming the file and what is wrong.
    public static func load(from url: URL) throws(CredentialsError) -> ServiceAccountKey {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadableKeyFile(url.path, "\(error.localizedDescription)")
        }
        let key: ServiceAccountKey
        do { key = try JSONDecoder().decode(ServiceAccountKey.self, from: data) } catch {
            throw .unreadableKeyFile(url.path, "not a service-account key JSON (\(error))")
        }
        if let type = key.type, type != "service_account" {
            throw .unreadableKeyFile(url.path, "type is \"\(type)\"; only service_account keys are supported")
        }
        return key
    }
}

/// Credentials that cannot be used.
public enum CredentialsError: Error, Hashable, CustomStringConvertible {
    case unreadableKeyFile(String, String)
    case invalidPrivateKey(String)
    /// The token endpoint refused the grant (`{"error", "error_description"}`, contract §7.2).
    case tokenRefused(status: Int, error: String, description: String)
    case malformedTokenResponse(String)

    public var description: String {
        switch self {
        case .unreadableKeyFile(let path, let reason): "cannot use the key file \(path): \(reason)"
        case .invalidPrivateKey(let reason): "the key file's private_key is not a PKCS#8 RSA key: \(reason)"
        case .tokenRefused(let status, let error, let description):
            "the token endpoint refused the grant (\(status) \(error)): \(description)"
        case .malformedTokenResponse(let body): "the token endpoint's answer is not a token: \(body)"
        }
    }
}
