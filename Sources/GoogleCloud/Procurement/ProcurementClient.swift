public import Foundation
public import MarketplaceCore

/// The Partner Procurement API v1 (contract §3) for one provider: typed, async, every method of
/// the discovery document. Account methods are in `ProcurementClient+Accounts.swift`,
/// entitlement methods in `ProcurementClient+Entitlements.swift`.
public struct ProcurementClient: Sendable {
    public let provider: ProviderID
    /// `https://cloudcommerceprocurement.googleapis.com/`, or the emulator's base URL.
    public let baseURL: URL
    public let transport: GoogleAPITransport

    public init(provider: ProviderID, baseURL: URL = GoogleEndpoints.google.procurement, transport: GoogleAPITransport)
    {
        self.provider = provider
        self.baseURL = baseURL
        self.transport = transport
    }

    /// The same client for calls a person waits on: `RetryPolicy.interactive`, and each attempt
    /// given up after `requestTimeout` (Google not answering at all).
    public func interactive(requestTimeout: Duration = .seconds(4)) -> ProcurementClient {
        var transport = transport
        transport.retryPolicy = .interactive
        transport.requestTimeout = requestTimeout
        return ProcurementClient(provider: provider, baseURL: baseURL, transport: transport)
    }

    /// `v1/providers/{provider}/{collection}[/{id}][:verb]?query`, each segment percent-encoded.
    func url(_ collection: String, _ id: String? = nil, verb: String? = nil, query: [(String, String?)] = []) -> URL {
        var path = "v1/providers/\(GoogleURL.segment(provider.rawValue))/\(collection)"
        if let id { path += "/" + GoogleURL.segment(id) }
        if let verb { path += ":" + verb }
        return GoogleURL.make(baseURL, path, query: query)
    }
}
