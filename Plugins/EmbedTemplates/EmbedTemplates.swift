import Foundation
import PackagePlugin

/// Compiles a target's templates (`Templates/<target>/<folder>/<name>.mustache`) into the binary
/// as `EmbeddedTemplates.all["<folder>/<name>"]`, so the templates are files to read and edit
/// while the shipped binary still needs no resource files beside it. Rebuilt when one changes.
@main
struct EmbedTemplates: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "Templates").appending(path: target.name)
        let files = (FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.allObjects ?? [])
            .compactMap { $0 as? URL }
            .filter { $0.pathExtension == "mustache" }
            .sorted { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedTemplates.swift")
        // Each file becomes a raw multi-line string: nothing in it is an escape or an
        // interpolation, and its last newline ends the literal.
        let script = #####"""
            set -eu
            folder=$1 output=$2
            shift 2
            {
                printf '// Generated at build time from Templates/; edit the .mustache files there.\n'
                printf 'enum EmbeddedTemplates {\n    static let all: [String: String] = [\n'
                for file in "$@"; do
                    name=${file#"$folder"/}
                    printf '        "%s": ####"""\n' "${name%.mustache}"
                    cat "$file"
                    printf '"""####,\n'
                done
                printf '    ]\n}\n'
            } > "$output.partial"
            mv "$output.partial" "$output"
            """#####
        return [
            .buildCommand(
                displayName: "Embedding the templates of \(target.name)",
                executable: URL(filePath: "/bin/sh"),
                arguments: ["-c", script, "embed-templates", folder.path, output.path] + files.map(\.path),
                inputFiles: files,
                outputFiles: [output]
            )
        ]
    }
}
