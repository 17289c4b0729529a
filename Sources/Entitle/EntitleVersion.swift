/// The version Entitle reports in `--version`, `/healthz` and the `User-Agent` of its Google calls.
/// A release raises it and adds its section to CHANGELOG.md (a test holds the two together).
public enum EntitleVersion {
    public static let current = "0.2.0"

    /// The git commit the binary was built from (`unknown` when built outside a repository without
    /// `ENTITLE_COMMIT`; `-dirty` when tracked files differed from it).
    public static var commit: String { EntitleBuild.commit }

    /// `entitle 0.2.0 (commit 85f98e3a1b2c)`, what `entitle --version` prints.
    public static var description: String { "entitle \(current) (commit \(commit))" }

    /// `entitle/0.2.0`, for `User-Agent` headers.
    public static var userAgent: String { "entitle/\(current)" }

    /// `entitle/0.2.0 (replica host-123-ab12cd34)`: which replica made a Google call, for
    /// Google's request logs and the emulator's record of usage reports.
    public static func userAgent(replica: String) -> String { "\(userAgent) (replica \(replica))" }
}
