import Foundation

/// Creates and deletes OAuth clients at the vendor's identity provider, where the tokens Gemini
/// Enterprise presents to the agent are issued.
public protocol ClientRegistrar: Sendable {
    func register(_ request: ClientRegistrationRequest) async throws(RegistrarError) -> RegisteredClient
    func delete(_ client: RegisteredClient) async throws(RegistrarError)
}

public struct ClientRegistrationRequest: Hashable, Sendable {
    /// Shown by the identity provider's consent page and console.
    public var clientName: String
    public var redirectURIs: [String]

    public init(clientName: String, redirectURIs: [String]) {
        self.clientName = clientName
        self.redirectURIs = redirectURIs
    }
}

/// A client the identity provider created, with what it takes to delete it (RFC 7592).
public struct RegisteredClient: Codable, Hashable, Sendable {
    public var clientID: String
    public var clientSecret: String
    public var registrationAccessToken: String?
    public var registrationClientURI: String?

    public init(
        clientID: String,
        clientSecret: String,
        registrationAccessToken: String? = nil,
        registrationClientURI: String? = nil
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.registrationAccessToken = registrationAccessToken
        self.registrationClientURI = registrationClientURI
    }
}

public enum RegistrarError: Error, Hashable, CustomStringConvertible {
    /// The provider refused the client as asked (RFC 7591 §3.2.2: `invalid_redirect_uri`,
    /// `invalid_client_metadata`): asking again the same way will not help.
    case refused(error: String, description: String)
    /// The provider failed or could not be reached; asking later may succeed.
    case unavailable(String)

    public var description: String {
        switch self {
        case .refused(let error, let description): "identity provider refused the client: \(error): \(description)"
        case .unavailable(let reason): "identity provider unavailable: \(reason)"
        }
    }
}

extension RegisteredClient {
    /// As the store keeps it: sealed, so the secret and the management token never lie in clear.
    func sealed(with seal: CredentialSeal) throws -> String {
        try seal.seal(try JSONEncoder().encode(self))
    }

    init(sealed: String?, seal: CredentialSeal) throws {
        guard let sealed else { throw CredentialSeal.Failure(description: "the client has no sealed credentials") }
        self = try JSONDecoder().decode(RegisteredClient.self, from: try seal.open(sealed))
    }
}
