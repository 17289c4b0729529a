public import Foundation

/// Finds files a test ships beside its sources (fixtures, golden transcripts) without depending on
/// the working directory `swift test` was started from.
public struct FixtureDirectory: Sendable {
    public let url: URL

    /// The folder `name` next to the test file that calls this (pass `#filePath`).
    public init(_ name: String, besides filePath: String) {
        url = URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// The bytes of `file` in this folder.
    /// - Throws: the file system's error, naming the missing path.
    public func data(_ file: String) throws -> Data {
        try Data(contentsOf: url.appendingPathComponent(file))
    }
}
