import ArgumentParser
import Foundation

/// Where a running Entitle is, and its admin token, for the admin commands.
struct AdminLocation: ParsableArguments {
    @Option(help: "Base URL of a running Entitle.")
    var url = "http://127.0.0.1:8080/"

    @Option(help: "The admin bearer token (default: ENTITLE_ADMIN_TOKEN).")
    var token: String?

    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws {
        guard let token = token ?? ProcessInfo.processInfo.environment["ENTITLE_ADMIN_TOKEN"], !token.isEmpty else {
            throw ValidationError("an admin token is needed: --token or ENTITLE_ADMIN_TOKEN (sandbox mode prints one)")
        }
        try await JSONCall.send(
            base: url,
            method,
            "api/admin/" + path,
            body: body,
            headers: ["Authorization": "Bearer \(token)"],
            server: "Entitle",
            hint: "Start it with `entitle serve`."
        )
    }
}

/// `entitle entitlements …`: the admin API's entitlement calls.
struct EntitlementsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entitlements",
        abstract: "List, show, approve or reject entitlements through the admin API of a running Entitle.",
        subcommands: [List.self, Show.self, Decide.self, Message.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List entitlements (paged by id).")
        @OptionGroup var entitle: AdminLocation
        @Option(help: "Only this state (active, activation_requested, …).") var state: String?
        @Option(help: "Entitlements after this id.") var after: String?
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            var query = ["limit=\(limit)"]
            if let state {
                query.append("state=\(state.lowercased().replacingOccurrences(of: "entitlement_", with: ""))")
            }
            if let after { query.append("after=\(after)") }
            try await entitle.call("GET", "entitlements?" + query.joined(separator: "&"))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One entitlement with its timeline.")
        @OptionGroup var entitle: AdminLocation
        @Argument(help: "Entitlement id.") var id: String

        func run() async throws { try await entitle.call("GET", "entitlements/\(id)") }
    }

    struct Message: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set (or with --clear, clear) what Google shows the buyer while the order waits on you."
        )
        @OptionGroup var entitle: AdminLocation
        @Argument(help: "Entitlement id.") var id: String
        @Argument(help: "The message (at most 500 characters).") var text: String?
        @Flag(help: "Clear the message.") var clear = false

        func validate() throws {
            guard clear != (text != nil) else { throw ValidationError("give a message or --clear") }
        }

        func run() async throws {
            try await entitle.call("POST", "entitlements/\(id)/message", ["message": clear ? "" : text ?? ""])
        }
    }

    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decide",
            abstract:
                "Approve or reject an entitlement or its plan change (approve, reject, approve-plan-change, reject-plan-change)."
        )
        @OptionGroup var entitle: AdminLocation
        @Argument(help: "approve, reject, approve-plan-change or reject-plan-change.") var decision: String
        @Argument(help: "Entitlement id.") var id: String
        @Option(help: "Why, for rejections (shown to the buyer).") var reason: String?

        func validate() throws {
            guard ["approve", "reject", "approve-plan-change", "reject-plan-change"].contains(decision) else {
                throw ValidationError("\(decision) is not approve, reject, approve-plan-change or reject-plan-change")
            }
        }

        func run() async throws {
            try await entitle.call("POST", "entitlements/\(id)/\(decision)", reason.map { ["reason": $0] } ?? [:])
        }
    }
}

/// `entitle accounts show ID`.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Show an account with its customer and entitlements.",
        subcommands: [Show.self]
    )

    struct Show: AsyncParsableCommand {
        @OptionGroup var entitle: AdminLocation
        @Argument(help: "Account id.") var id: String

        func run() async throws { try await entitle.call("GET", "accounts/\(id)") }
    }
}

/// `entitle events`: the audit log, newest first.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "The audit log (events and actions), newest first."
    )
    @OptionGroup var entitle: AdminLocation
    @Option(help: "Only rows about this subject (entitlements/ID or accounts/ID).") var subject: String?
    @Option(help: "At most this many.") var limit = 100

    func run() async throws {
        var query = ["limit=\(limit)"]
        if let subject {
            query.append("subject=\(subject.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? subject)")
        }
        try await entitle.call("GET", "events?" + query.joined(separator: "&"))
    }
}

/// `entitle outbox list|replay`: provisioning callbacks.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Provisioning callbacks: list them, or send one again.",
        subcommands: [List.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        @OptionGroup var entitle: AdminLocation
        @Option(help: "pending, delivered or failed.") var status: String?

        func run() async throws { try await entitle.call("GET", "outbox" + (status.map { "?status=\($0)" } ?? "")) }
    }

    struct Replay: AsyncParsableCommand {
        @OptionGroup var entitle: AdminLocation
        @Argument(help: "Callback id.") var id: String

        func run() async throws { try await entitle.call("POST", "outbox/\(id)/replay") }
    }
}

/// `entitle dead-letters list|replay`: notifications that kept failing.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Notifications that kept failing, kept with their error: list them, or process one again.",
        subcommands: [List.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        @OptionGroup var entitle: AdminLocation

        func run() async throws { try await entitle.call("GET", "dead-letters") }
    }

    struct Replay: AsyncParsableCommand {
        @OptionGroup var entitle: AdminLocation
        @Argument(help: "Dead letter id.") var id: Int64

        func run() async throws { try await entitle.call("POST", "dead-letters/\(id)/replay") }
    }
}
