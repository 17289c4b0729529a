import ArgumentParser
import Entitle
import Foundation

/// `entitle`: the command-line entry point. Subcommands (`serve`, `emulator`, `demo`, admin
/// commands) arrive with the modules they drive; each stays a thin wrapper over library calls.
@main
struct EntitleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entitle",
        abstract: "Connects a SaaS product to Google Cloud Marketplace.",
        discussion: """
            Entitle handles Marketplace notifications, sign-up, entitlement approvals, provisioning \
            callbacks and usage reporting. With no arguments it runs `serve`: sandbox mode against the \
            built-in emulator when no Google credentials are found.
            """,
        version: EntitleVersion.description,
        subcommands: [
            ServeCommand.self, DemoCommand.self, EntitlementsCommand.self, AccountsCommand.self, EventsCommand.self,
            OutboxCommand.self,
            DeadLettersCommand.self,
            UsageCommand.self,
            EmulatorCommand.self, CredentialsCommand.self, BenchCommand.self, MigrateCommand.self, DoctorCommand.self,
            OpenAPICommand.self,
            SettingsCommand.self, AgentCardCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )

    /// Logging is set up before any command makes a logger (swift-log allows one bootstrap).
    static func main() async {
        do {
            try LogSettings(environment: ProcessInfo.processInfo.environment).bootstrap()
        } catch {
            FileHandle.standardError.write(Data("entitle: \(error)\n".utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
