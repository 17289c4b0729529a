/// The version Entitle reports in `--version`, `/healthz` and the `User-Agent` of its Google calls.
public enum EntitleVersion {
    public static let current = "0.1.0"

    /// `entitle/0.1.0`, for `User-Agent` headers.
    public static var userAgent: String { "entitle/\(current)" }

    /// `entitle/0.1.0 (replica host-123-ab12cd34)`: which replica made a Google call, for
    /// Google's request logs and the emulator's record of usage reports.
    public static func userAgent(replica: String) -> String { "\(userAgent) (replica \(replica))" }
}
