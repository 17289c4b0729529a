import Foundation
public import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator

/// Entitle's Google clients for a running emulator, with the credentials a vendor would use: the
/// emulator's service-account key file, exchanged at its token endpoint.
extension RunningEmulator {
    public func transport(retryPolicy: RetryPolicy = .default) async throws -> GoogleAPITransport {
        let file = try JSONEncoder().encode(try await emulator.serviceAccountKeyFile())
        let key = try JSONDecoder().decode(ServiceAccountKey.self, from: file)
        return GoogleAPITransport(
            credentials: try ServiceAccountTokenProvider(key: key, retryPolicy: retryPolicy),
            retryPolicy: retryPolicy
        )
    }

    public func procurementClient(_ transport: GoogleAPITransport) -> ProcurementClient {
        ProcurementClient(provider: emulator.options.provider, baseURL: baseURL, transport: transport)
    }

    public func pubSubClient(_ transport: GoogleAPITransport) -> PubSubClient {
        PubSubClient(baseURL: baseURL, transport: transport)
    }
}
