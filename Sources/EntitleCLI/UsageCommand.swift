import ArgumentParser
import Foundation

/// `entitle usage …`: the usage ledger through the admin API of a running Entitle.
struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Show the usage ledger, run a reporting pass (or a dry run), re-run a refused operation.",
        subcommands: [Show.self, Report.self, Rerun.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ledger operations and unsealed usage, optionally of one entitlement or status.")
        @OptionGroup var entitle: AdminLocation
        @Option(help: "Only this entitlement.") var entitlement: String?
        @Option(help: "Only this status (pending, reported, check_failed, rejected, unknown).") var status: String?

        func run() async throws {
            var query: [String] = []
            if let entitlement { query.append("entitlement=\(entitlement)") }
            if let status { query.append("status=\(status)") }
            try await entitle.call("GET", "usage" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a reporting pass now; with --dry-run, print what it would seal and send, and send nothing."
        )
        @OptionGroup var entitle: AdminLocation
        @Flag(help: "Print what would be sent; change nothing.") var dryRun = false

        func run() async throws {
            if dryRun { try await entitle.call("GET", "usage/preview") } else { try await entitle.call("POST", "usage/report", [:]) }
        }
    }

    struct Rerun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a refused or check-failed operation again (same id and value) at the next pass."
        )
        @OptionGroup var entitle: AdminLocation
        @Argument(help: "Operation id.") var id: String

        func run() async throws { try await entitle.call("POST", "usage/operations/\(id)/rerun", [:]) }
    }
}
