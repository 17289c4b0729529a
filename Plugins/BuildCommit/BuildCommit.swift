import Foundation
import PackagePlugin

/// Writes `BuildCommit.swift` (`EntitleBuild.commit`) before every build: the git commit the
/// sources come from (`-dirty` when tracked files differ from it), or `ENTITLE_COMMIT` where there
/// is no repository (the image's build stage gets it as a build argument), else `unknown`.
/// A prebuild command runs on every build; the file is rewritten only when its text changes, so an
/// unchanged commit recompiles nothing.
@main
struct BuildCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let output = context.pluginWorkDirectoryURL.appending(path: "generated")
        let script = """
            set -u
            commit=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null) || commit="${ENTITLE_COMMIT:-unknown}"
            [ -n "$commit" ] || commit=unknown
            if git -C "$1" rev-parse HEAD >/dev/null 2>&1 \\
                && [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                commit="$commit-dirty"
            fi
            mkdir -p "$2"
            text="// Generated before each build. The git commit these sources come from.
            enum EntitleBuild { static let commit = \\"$commit\\" }"
            [ "$(cat "$2/BuildCommit.swift" 2>/dev/null)" = "$text" ] || printf '%s\\n' "$text" > "$2/BuildCommit.swift"
            """
        return [
            .prebuildCommand(
                displayName: "Recording the git commit of \(target.name)",
                executable: URL(filePath: "/bin/sh"),
                arguments: ["-c", script, "build-commit", context.package.directoryURL.path, output.path],
                environment: ["ENTITLE_COMMIT": ProcessInfo.processInfo.environment["ENTITLE_COMMIT"] ?? ""],
                outputFilesDirectory: output
            )
        ]
    }
}
