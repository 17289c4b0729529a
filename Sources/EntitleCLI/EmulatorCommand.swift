import ArgumentParser

/// `entitle emulator`: runs the emulator (the default), or acts as a buyer against a running one.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "The Google Cloud Marketplace emulator: run it, or act as a buyer against a running one.",
        subcommands: [
            EmulatorRunCommand.self, BuyCommand.self, ChangePlanCommand.self, AcceptOfferCommand.self,
            CancelCommand.self,
            RevertCancelCommand.self, AdvanceClockCommand.self, FaultsCommand.self, UsageReportsCommand.self,
            StateCommand.self,
        ],
        defaultSubcommand: EmulatorRunCommand.self
    )
}
