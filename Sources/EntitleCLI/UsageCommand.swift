import ArgumentParser
import Foundation

/// `entitle usage …`: the usage ledger through the admin API of a running Entitle.
struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract:
            "Show the usage ledger and what blocks billing, run a reporting pass (or a dry run), re-run refused operations.",
        subcommands: [Show.self, Problems.self, Report.self, Rerun.self]
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ledger operations and unsealed usage, optionally of one entitlement or status."
        )
        @OptionGroup var entitle: AdminLocation
        @Option(help: "Only this entitlement.") var entitlement: String?
        @Option(help: "Only this status (pending, reported, check_failed, rejected, unknown, superseded).") var status:
            String?

        func run() async throws {
            var query: [String] = []
            if let entitlement { query.append("entitlement=\(entitlement)") }
            if let status { query.append("status=\(status)") }
            try await entitle.call("GET", "usage" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        }
    }

    struct Problems: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "What keeps usage from being billed: a refused access, blocked or unsealable entitlements, rejected operations."
        )
        @OptionGroup var entitle: AdminLocation

        func run() async throws { try await entitle.call("GET", "usage/problems") }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a reporting pass now; with --dry-run, print what it would seal and send, and send nothing."
        )
        @OptionGroup var entitle: AdminLocation
        @Flag(help: "Print what would be sent; change nothing.") var dryRun = false

        func run() async throws {
            if dryRun {
                try await entitle.call("GET", "usage/preview")
            } else {
                try await entitle.call("POST", "usage/report", [:])
            }
        }
    }

    struct Rerun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Send refused or check-failed operations again (same ids and values) at the next pass: one by id, or --all."
        )
        @OptionGroup var entitle: AdminLocation
        @Argument(help: "Operation id.") var id: String?
        @Flag(help: "Every operation with --status (default rejected,check_failed), optionally of one --entitlement.")
        var all = false
        @Option(help: "With --all: only this entitlement.") var entitlement: String?
        @Option(help: "With --all: statuses, comma-separated (rejected, check_failed, unknown).") var status: String?

        func validate() throws {
            guard (id == nil) == all else { throw ValidationError("give an operation id, or --all") }
            guard all || (entitlement == nil && status == nil) else {
                throw ValidationError("--entitlement and --status go with --all")
            }
        }

        func run() async throws {
            guard all else { return try await entitle.call("POST", "usage/operations/\(id ?? "")/rerun", [:]) }
            var query: [String] = []
            if let entitlement { query.append("entitlement=\(entitlement)") }
            if let status { query.append("status=\(status)") }
            try await entitle.call(
                "POST",
                "usage/rerun" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")),
                [:]
            )
        }
    }
}
