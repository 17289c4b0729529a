import ArgumentParser
import Entitle

/// `entitle settings`: the reference of every setting, as docs/configuration.md shows it (both
/// come from `SettingsCatalog`).
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Print every setting: file key, environment variable, default and meaning (Markdown)."
    )

    func run() {
        print(SettingsCatalog.markdown())
    }
}
