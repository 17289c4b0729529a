import ArgumentParser
import Entitle
import Foundation

/// `entitle openapi`: the whole contract (every operation, whatever the configuration), for
/// generating a client or reviewing a change offline; a running server serves its own at
/// `/openapi.json`.
struct OpenAPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "openapi",
        abstract: "Print Entitle's OpenAPI 3.1 document (every operation, the callbacks as webhooks)."
    )

    @Option(help: "The server URL the document names.") var server = "http://127.0.0.1:8080"

    func run() throws {
        FileHandle.standardOutput.write(try OpenAPIDocument.json(serverURL: server))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
