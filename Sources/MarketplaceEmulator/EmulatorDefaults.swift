public import MarketplaceCore

/// The values the emulator starts with when given no options, chosen to look like the codelab's
/// demo provider (contract §1.1) so examples read the same against the emulator and Google.
public enum EmulatorDefaults {
    /// Codelab-style provider id.
    public static let provider = try! ProviderID("DEMO-entitle-sandbox")
    /// The Pub/Sub topic Marketplace publishes to: `projects/cloudcommerceproc-prod/topics/{providerId}`.
    public static var topic: String { "projects/cloudcommerceproc-prod/topics/\(provider)" }
    /// The port `entitle emulator` listens on without `--port`.
    public static let port = 8085
}
