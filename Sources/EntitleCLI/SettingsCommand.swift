import ArgumentParser
import Entitle

/// `entitle settings`: the reference of every setting, as docs/configuration.md shows it, or with
/// `--index` README's table of the environment variables (all come from `SettingsCatalog`).
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Print every setting: file key, environment variable, default and meaning (Markdown)."
    )

    @Flag(help: "Print README's table instead: the environment variables by concern.") var index = false

    func run() {
        print(index ? SettingsCatalog.index() : SettingsCatalog.markdown())
    }
}
