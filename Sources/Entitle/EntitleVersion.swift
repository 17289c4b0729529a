/// The version Entitle reports in `--version`, `/healthz` and the `User-Agent` of its Google calls.
public enum EntitleVersion {
    public static let current = "0.1.0"

    /// `entitle/0.1.0`, for `User-Agent` headers.
    public static var userAgent: String { "entitle/\(current)" }
}
