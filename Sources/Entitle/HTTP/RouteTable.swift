import Synchronization

/// The server's routes by path template, filled once the router is built, so that a known path
/// asked with a method it does not have is answered 405 with `Allow` (as HTTP says) rather than 404.
public final class RouteTable: Sendable {
    private let templates = Mutex<[(path: [Substring], methods: Set<String>)]>([])

    public init() {}

    /// - Parameter routes: "METHOD /path/{param}" as `OpenAPIController.routes(of:)` gives them.
    public func set(_ routes: Set<String>) {
        var byPath: [String: Set<String>] = [:]
        for route in routes {
            let parts = route.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            byPath[String(parts[1]), default: []].insert(String(parts[0]))
        }
        templates.withLock { $0 = byPath.map { (path: $0.key.split(separator: "/"), methods: $0.value) } }
    }

    /// The methods `path` has, empty when no route has it.
    public func methods(for path: String) -> Set<String> {
        let segments = path.split(separator: "/")
        return templates.withLock { templates in
            templates.reduce(into: Set<String>()) { all, template in
                guard template.path.count == segments.count else { return }
                let matches = zip(template.path, segments).allSatisfy { part, segment in
                    (part.hasPrefix("{") && part.hasSuffix("}")) || part == segment
                }
                if matches { all.formUnion(template.methods) }
            }
        }
    }
}
