import Foundation
import Hummingbird
import NIOCore

/// `?fields=` partial responses, as every Google JSON API serves them: `fields=entitlements(name,state),nextPageToken`
/// keeps only those members (`a/b` a member's member, `a(b,c)` several, `*` every member), in
/// each element of an array alike. A selection that does not parse is 400.
struct PartialResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let fields = request.query("fields"), !fields.isEmpty else { return try await next(request, context) }
        guard let selection = PartialResponse.parse(fields) else {
            throw GoogleAPIError.invalidArgument("Invalid field selection \(fields)")
        }
        return try await PartialResponse.$selection.withValue(selection) { try await next(request, context) }
    }
}

/// The selection of `fields=` and how it prunes an answer.
enum PartialResponse {
    typealias Selection = [String: Node]

    /// What is kept of a member: all of it, or a selection of its members.
    indirect enum Node {
        case all
        case members(Selection)
    }

    /// The selection of the request being answered, for `JSONResponse.make` to apply.
    @TaskLocal static var selection: Selection?

    /// `data` with only the selected members, when a selection is in force.
    static func apply(to data: Data) -> Data {
        guard let selection, let value = try? JSONSerialization.jsonObject(with: data) else { return data }
        return
            (try? JSONSerialization.data(
                withJSONObject: prune(value, .members(selection)),
                options: [.sortedKeys, .withoutEscapingSlashes]
            ))
            ?? data
    }

    static func prune(_ value: Any, _ node: Node) -> Any {
        guard case .members(let selection) = node else { return value }
        if let array = value as? [Any] { return array.map { prune($0, node) } }
        guard let object = value as? [String: Any] else { return value }
        var kept: [String: Any] = [:]
        for (name, child) in selection {
            if name == "*" {
                for (key, item) in object { kept[key] = prune(item, child) }
            } else if let item = object[name] {
                kept[name] = prune(item, child)
            }
        }
        return kept
    }

    /// `a,b/c,d(e,f)`; nil when it does not parse.
    static func parse(_ text: String) -> Selection? {
        var characters = Substring(text)
        guard let selection = list(&characters), characters.isEmpty else { return nil }
        return selection
    }

    private static func list(_ text: inout Substring) -> Selection? {
        var selection: Selection = [:]
        repeat {
            if text.first == "," { text.removeFirst() }
            guard let (path, node) = item(&text) else { return nil }
            merge(&selection, path: path[...], node: node)
        } while text.first == ","
        return selection
    }

    private static func item(_ text: inout Substring) -> ([String], Node)? {
        var path: [String] = []
        repeat {
            if text.first == "/" { text.removeFirst() }
            let name = text.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "*" || $0 == "@" || $0 == "." }
            guard !name.isEmpty else { return nil }
            path.append(String(name))
            text.removeFirst(name.count)
        } while text.first == "/"
        guard text.first == "(" else { return (path, .all) }
        text.removeFirst()
        guard let inner = list(&text), text.first == ")" else { return nil }
        text.removeFirst()
        return (path, .members(inner))
    }

    private static func merge(_ selection: inout Selection, path: ArraySlice<String>, node: Node) {
        guard let first = path.first else { return }
        if path.count == 1 {
            selection[first] = node
            return
        }
        var inner: Selection
        switch selection[first] {
        case .all?: return
        case .members(let existing)?: inner = existing
        case nil: inner = [:]
        }
        merge(&inner, path: path.dropFirst(), node: node)
        selection[first] = .members(inner)
    }
}
