public import AsyncHTTPClient
public import Foundation
import MarketplaceCore
public import NIOCore
import NIOHTTP1

/// A `ClientRegistrar` over the identity provider's own Dynamic Client Registration: RFC 7591
/// (`POST` to its registration endpoint with an initial access token, which Keycloak, Okta, Auth0,
/// Ory Hydra and Glewlwyd accept) and RFC 7592 (`DELETE` of the client's configuration URI with its
/// registration access token).
public struct DynamicClientRegistrar: ClientRegistrar {
    let endpoint: URL
    let initialAccessToken: String?
    let httpClient: HTTPClient
    let timeout: TimeAmount

    public init(
        endpoint: URL,
        initialAccessToken: String?,
        httpClient: HTTPClient = .shared,
        timeout: TimeAmount = .seconds(10)
    ) {
        self.endpoint = endpoint
        self.initialAccessToken = initialAccessToken
        self.httpClient = httpClient
        self.timeout = timeout
    }

    private struct Metadata: Encodable {
        var client_name: String
        var redirect_uris: [String]
        var grant_types = ["authorization_code", "refresh_token"]
        var response_types = ["code"]
        var token_endpoint_auth_method = "client_secret_basic"
    }

    private struct Registered: Decodable {
        var client_id: String?
        var client_secret: String?
        var registration_access_token: String?
        var registration_client_uri: String?
    }

    private struct ProviderError: Decodable {
        var error: String?
        var error_description: String?
    }

    public func register(_ request: ClientRegistrationRequest) async throws(RegistrarError) -> RegisteredClient {
        let metadata = Metadata(client_name: request.clientName, redirect_uris: request.redirectURIs)
        let body: Data
        do { body = try JSONEncoder().encode(metadata) } catch { throw .unavailable("\(error)") }
        let (status, answer) = try await send(.POST, endpoint.absoluteString, token: initialAccessToken, body: body)
        guard status == 200 || status == 201 else {
            let refusal = try? JSONDecoder().decode(ProviderError.self, from: answer)
            if status == 400, let code = refusal?.error {
                throw .refused(error: code.bounded(), description: (refusal?.error_description ?? "").bounded())
            }
            throw .unavailable("registration answered \(status): \(String(decoding: answer, as: UTF8.self).bounded())")
        }
        guard let client = try? JSONDecoder().decode(Registered.self, from: answer),
            let id = client.client_id, !id.isEmpty, let secret = client.client_secret, !secret.isEmpty
        else {
            throw .unavailable("registration answered \(status) without a client_id and client_secret")
        }
        return RegisteredClient(
            clientID: id,
            clientSecret: secret,
            registrationAccessToken: client.registration_access_token,
            registrationClientURI: client.registration_client_uri
        )
    }

    /// Deleted, or already gone (404, 410).
    public func delete(_ client: RegisteredClient) async throws(RegistrarError) {
        guard let uri = client.registrationClientURI, let token = client.registrationAccessToken else {
            throw .unavailable(
                "client \(client.clientID.bounded()) has no RFC 7592 configuration URI: delete it at the provider"
            )
        }
        let (status, answer) = try await send(.DELETE, uri, token: token, body: nil)
        guard (200..<300).contains(status) || status == 404 || status == 410 else {
            throw .unavailable("deletion answered \(status): \(String(decoding: answer, as: UTF8.self).bounded())")
        }
    }

    private func send(
        _ method: HTTPMethod,
        _ url: String,
        token: String?,
        body: Data?
    ) async throws(RegistrarError) -> (Int, Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            let answer = try await response.body.collect(upTo: 64 * 1024)
            return (Int(response.status.code), Data(answer.readableBytesView))
        } catch {
            throw .unavailable("\(method) \(url.bounded()): \(error)")
        }
    }
}
