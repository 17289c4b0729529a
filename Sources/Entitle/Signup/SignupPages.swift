import Foundation
public import Mustache

/// The buyer-facing pages, rendered with swift-mustache (`{{…}}` escapes HTML). Kept in code so
/// the binary needs no resource files; a vendor restyles them with `signupTemplates`: a folder
/// whose `layout.mustache`, `signup.mustache` or `problem.mustache` replace these.
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
        // The templates are constants: a syntax error is a programming error found by any test.
        try! library.register(layout, named: "layout")
        try! library.register(form, named: "signup")
        try! library.register(problem, named: "problem")
        return library
    }()

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #202124; }
        label { display: block; margin-top: 1rem; font-weight: 600; }
        input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
        .problem { color: #c5221f; font-weight: 400; }
        button { margin-top: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; background: #1a73e8; color: white; border: 0; border-radius: 4px; }
        </style>
        </head>
        <body>
        {{$body}}{{/body}}
        </body>
        </html>
        """

    static let form = """
        {{<layout}}
        {{$body}}
        <h1>Finish signing up</h1>
        <p>Your Google Cloud Marketplace purchase is almost ready. Tell us who you are, and we will set up your account.</p>
        {{#retry}}<p class="problem">{{.}}</p>{{/retry}}
        <form method="post" action="/signup/complete">
        <input type="hidden" name="session" value="{{session}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="company">Company {{#problems.company}}<span class="problem">{{.}}</span>{{/problems.company}}</label>
        <input id="company" name="company" value="{{company}}" required maxlength="200">
        <label for="contactName">Your name {{#problems.contactName}}<span class="problem">{{.}}</span>{{/problems.contactName}}</label>
        <input id="contactName" name="contactName" value="{{contactName}}" required maxlength="200">
        <label for="email">Email {{#problems.email}}<span class="problem">{{.}}</span>{{/problems.email}}</label>
        <input id="email" name="email" type="email" value="{{email}}" required maxlength="254">
        <button type="submit">Create my account</button>
        </form>
        {{/body}}
        {{/layout}}
        """

    static let problem = """
        {{<layout}}
        {{$body}}
        <h1>{{title}}</h1>
        <p>{{message}}</p>
        <p><a href="https://console.cloud.google.com/marketplace">Back to Google Cloud Marketplace</a></p>
        {{/body}}
        {{/layout}}
        """
}
