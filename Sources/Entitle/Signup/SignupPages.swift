import Foundation
public import Mustache

/// The buyer-facing pages, rendered with swift-mustache (`{{…}}` escapes HTML), from
/// `Templates/Entitle/signup/` (compiled in by the `EmbedTemplates` plugin, so the binary needs no
/// resource files); a vendor restyles them with `signupTemplates`: a folder whose
/// `layout.mustache`, `signup.mustache` or `problem.mustache` replace these.
public enum SignupPages {
    public static let names = ["layout", "signup", "problem"]

    /// The built-in pages, with those `directory` has in their place.
    /// - Throws: `ConfigurationError` for a folder that cannot be read or a template that does not parse.
    public static func load(directory: String?) throws -> MustacheLibrary {
        guard let directory else { return library }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigurationError(setting: "signupTemplates", problem: "\(directory) is not a folder")
        }
        var loaded = library
        for name in names {
            let path = URL(fileURLWithPath: directory).appendingPathComponent("\(name).mustache").path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                try loaded.register(try String(contentsOfFile: path, encoding: .utf8), named: name)
            } catch {
                throw ConfigurationError(setting: "signupTemplates", problem: "\(path): \(error)")
            }
        }
        return loaded
    }

    public static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The templates are part of the build: a missing or broken one is a programming error
        // that any sign-up test finds.
        for name in names { try! library.register(EmbeddedTemplates.all["signup/\(name)"]!, named: name) }
        return library
    }()
}
