import Mustache

/// The admin console's pages (swift-mustache; `{{…}}` escapes HTML, so a customer named
/// `<script>` is text). Every action is a plain form: the console works without JavaScript.
/// `{{{chart}}}` is only ever SVG that `SVGChart` drew, its text escaped there.
enum ConsolePages {
    static let names = [
        "layout", "sign-in", "overview", "entitlements", "entitlement", "customers", "customer", "callbacks",
        "dead-letters", "usage", "settings",
    ]

    /// The templates, from `Templates/Entitle/console/` (compiled in by the `EmbedTemplates` plugin).
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        // The templates are part of the build: a missing or broken one is a programming error
        // that any console test finds.
        for name in names {
            try! library.register(EmbeddedTemplates.all["console/\(name)"]!, named: name)
        }
        return library
    }()
}
