import ArgumentParser
import Foundation

/// Offer terms given on the command line (contract §2.2: a duration or an end time).
struct OfferOptions: ParsableArguments {
    @Option(help: "Private offer term as an ISO 8601 duration, e.g. P1Y.")
    var offerDuration: String?

    @Option(help: "Private offer end time (RFC 3339), instead of a duration.")
    var offerEnd: String?

    @Option(help: "Scheduled start (RFC 3339), for offers Google approves itself.")
    var offerStart: String?

    var terms: [String: Any]? {
        let terms = ["duration": offerDuration, "endTime": offerEnd, "startTime": offerStart].compactMapValues { $0 }
        return terms.isEmpty ? nil : terms
    }
}

struct BuyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "buy",
        abstract: "Buy a product plan as a customer would."
    )
    @OptionGroup var emulator: EmulatorLocation
    @Option(help: "Product id or service name.") var product = "example-messaging-service"
    @Option(help: "Plan id.") var plan = "basic"
    @Option(help: "An existing account id (a second order); a new account when left out.") var account: String?
    @OptionGroup var offer: OfferOptions

    func run() async throws {
        var body: [String: Any] = ["product": product, "plan": plan]
        body["account"] = account
        body["offer"] = offer.terms
        try await emulator.call("POST", "emulator/v1/purchases", body)
    }
}

struct ChangePlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "change-plan",
        abstract: "Request another plan for an entitlement."
    )
    @OptionGroup var emulator: EmulatorLocation
    @Argument(help: "Entitlement id.") var entitlement: String
    @Option(help: "The new plan.") var plan: String

    func run() async throws {
        try await emulator.call("POST", "emulator/v1/entitlements/\(entitlement)/change-plan", ["plan": plan])
    }
}

struct AcceptOfferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept-offer",
        abstract: "Accept a replacement private offer for an entitlement."
    )
    @OptionGroup var emulator: EmulatorLocation
    @Argument(help: "Entitlement id.") var entitlement: String
    @Option(help: "The offer's plan; the current plan when left out.") var plan: String?
    @Option(help: "The offer's resource name; made up when left out.") var offerName: String?
    @OptionGroup var offer: OfferOptions

    func run() async throws {
        var terms = offer.terms ?? [:]
        terms["name"] = offerName
        var body: [String: Any] = ["offer": terms]
        body["plan"] = plan
        try await emulator.call("POST", "emulator/v1/entitlements/\(entitlement)/change-plan", body)
    }
}

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel an entitlement, at term end unless --immediately."
    )
    @OptionGroup var emulator: EmulatorLocation
    @Argument(help: "Entitlement id.") var entitlement: String
    @Flag(help: "End it now instead of at the end of the term.") var immediately = false

    func run() async throws {
        try await emulator.call("POST", "emulator/v1/entitlements/\(entitlement)/cancel", ["immediately": immediately])
    }
}

struct RevertCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert-cancel",
        abstract: "Undo a pending cancellation."
    )
    @OptionGroup var emulator: EmulatorLocation
    @Argument(help: "Entitlement id.") var entitlement: String

    func run() async throws {
        try await emulator.call("POST", "emulator/v1/entitlements/\(entitlement)/revert-cancellation", [:])
    }
}

struct AdvanceClockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advance-clock",
        abstract: "Move the emulator's time forward (cycle ends, terms, offers, purges)."
    )
    @OptionGroup var emulator: EmulatorLocation
    @Argument(help: "An ISO 8601 duration, e.g. P1M or PT1H.") var duration: String

    func run() async throws {
        try await emulator.call("POST", "emulator/v1/clock/advance", ["duration": duration])
    }
}

struct FaultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faults",
        abstract: "Show the fault plan, or replace it with one from a JSON file."
    )
    @OptionGroup var emulator: EmulatorLocation
    @Option(help: "A fault plan JSON file to install.") var file: String?

    func run() async throws {
        guard let file else { return try await emulator.call("GET", "emulator/v1/faults") }
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))
        guard let object = plan as? [String: Any] else { throw ValidationError("\(file) is not a JSON object") }
        try await emulator.call("PUT", "emulator/v1/faults", object)
    }
}

struct UsageReportsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage-reports",
        abstract: "What Service Control accepted, with totals."
    )
    @OptionGroup var emulator: EmulatorLocation

    func run() async throws {
        try await emulator.call("GET", "emulator/v1/usage-reports")
    }
}

struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Every account and entitlement, and the emulator's time."
    )
    @OptionGroup var emulator: EmulatorLocation

    func run() async throws {
        try await emulator.call("GET", "emulator/v1/state")
    }
}
