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

    public init(provider: ProviderID, baseURL: URL = GoogleEndpoints.google.procurement, transport: GoogleAPITransport) {
        self.provider = provider
        self.baseURL = baseURL
        self.transport = transport
    }

    /// `v1/providers/{provider}/{collection}[/{id}][:verb]?query`, each segment percent-encoded.
    func url(_ collection: String, _ id: String? = nil, verb: String? = nil, query: [(String, String?)] = []) -> URL {
        var path = "v1/providers/\(Self.segment(provider.rawValue))/\(collection)"
        if let id { path += "/" + Self.segment(id) }
        if let verb { path += ":" + verb }
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: true)!
        let items = query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        if !items.isEmpty {
            // `+` and `&` inside a filter value must not read as a space or a separator.
            components.percentEncodedQueryItems = items.map {
                URLQueryItem(name: $0.name, value: $0.value?.addingPercentEncoding(withAllowedCharacters: Self.queryValueAllowed))
            }
        }
        return components.url!
    }

    private static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? value
    }

    private static let segmentAllowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/:;"))
    private static let queryValueAllowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "+&=;"))
}
