import AsyncHTTPClient
public import Foundation
public import MarketplaceCore
import NIOCore
import NIOHTTP1

/// A typed client of the emulator's control API (`/emulator/v1`): what a buyer does in the
/// Marketplace console, and time travel. For tests, the bench and the demo; the CLI's verbs print
/// the same calls' answers as they come.
public struct EmulatorControlClient: Sendable {
    public let baseURL: URL

    public init(baseURL: URL) { self.baseURL = baseURL }

    /// The control API answered something other than 2xx.
    public struct Refused: Error, CustomStringConvertible {
        public var status: Int
        public var body: String
        public var description: String { "the emulator answered \(status): \(body)" }
    }

    /// A purchase: a new account (or `account` buying again) and its order.
    public func buy(
        product: String,
        plan: String,
        account: String? = nil,
        offer: OfferTerms? = nil,
        consumerProject: String? = nil
    ) async throws -> EmulatorPurchase {
        let body = EmulatorPurchaseRequest(
            account: account,
            product: product,
            plan: plan,
            offer: offer,
            consumerProject: consumerProject
        )
        return try await send(.POST, "emulator/v1/purchases", body)
    }

    /// The buyer asks for another plan (or, with `offer`, accepts a replacement private offer).
    @discardableResult
    public func changePlan(
        _ entitlement: String,
        to plan: String?,
        offer: OfferTerms? = nil
    ) async throws -> Entitlement {
        struct Body: Encodable {
            var plan: String?
            var offer: OfferTerms?
        }
        return try await send(
            .POST,
            "emulator/v1/entitlements/\(entitlement)/change-plan",
            Body(plan: plan, offer: offer)
        )
    }

    /// The buyer cancels: at the term's end, or at once.
    @discardableResult
    public func cancel(_ entitlement: String, immediately: Bool = false) async throws -> Entitlement {
        try await send(.POST, "emulator/v1/entitlements/\(entitlement)/cancel", ["immediately": immediately])
    }

    /// The order moves to another billing account: ended as `migrated`, a new order opened.
    public func migrate(_ entitlement: String) async throws -> EmulatorPurchase {
        try await send(.POST, "emulator/v1/entitlements/\(entitlement)/migrate", [String: String]())
    }

    @discardableResult
    public func revertCancellation(_ entitlement: String) async throws -> Entitlement {
        try await send(.POST, "emulator/v1/entitlements/\(entitlement)/revert-cancellation", [String: String]())
    }

    /// Moves the emulator's clock forward by an ISO 8601 duration (`P1M`, `PT1H`).
    @discardableResult
    public func advanceClock(by duration: String) async throws -> Timestamp {
        struct Now: Decodable { var now: Timestamp }
        let now: Now = try await send(.POST, "emulator/v1/clock/advance", ["duration": duration])
        return now.now
    }

    /// Moves the emulator's clock forward by whole seconds.
    @discardableResult
    public func advanceClock(seconds: Int64) async throws -> Timestamp {
        struct Now: Decodable { var now: Timestamp }
        let now: Now = try await send(.POST, "emulator/v1/clock/advance", ["seconds": seconds])
        return now.now
    }

    @discardableResult
    public func withdrawPlanChange(_ entitlement: String) async throws -> Entitlement {
        try await send(.POST, "emulator/v1/entitlements/\(entitlement)/withdraw-plan-change", [String: String]())
    }

    /// Google deletes the account (and, 30 days on, its orders).
    public func deleteAccount(_ account: String) async throws {
        let _: EmptyAnswer = try await send(.POST, "emulator/v1/accounts/\(account)/delete", [String: String]())
    }

    /// A fresh sign-up token for `account`, with the claims `overrides` names made wrong.
    public func signupToken(
        account: String,
        overrides: SignupTokenOverrides = SignupTokenOverrides()
    ) async throws -> EmulatorSignupToken {
        try await send(.POST, "emulator/v1/accounts/\(account)/signup-token", overrides)
    }

    /// The software statement Gemini Enterprise would POST to register `entitlement`'s agent with
    /// its vendor (`request.audience`: the Agent Card's `provider.url`).
    public func softwareStatement(
        entitlement: String,
        _ request: SoftwareStatementRequest
    ) async throws -> EmulatorSoftwareStatement {
        try await send(.POST, "emulator/v1/entitlements/\(entitlement)/software-statement", request)
    }

    /// Gemini Enterprise adds `entitlement`'s agent: the emulator signs the statement and POSTs it
    /// to `request.targetURL`, and answers what the vendor said.
    public func registerAgent(
        entitlement: String,
        _ request: AgentRegistrationRequest
    ) async throws -> AgentRegistrationAnswer {
        try await send(.POST, "emulator/v1/entitlements/\(entitlement)/register-agent", request)
    }

    /// Gemini Enterprise signs with a new key from now on, publishing it beside the old one.
    /// - Returns: the new key's id.
    public func rotateAgentspaceKey() async throws -> String {
        struct Rotated: Decodable { var kid: String }
        let rotated: Rotated = try await send(.POST, "emulator/v1/agentspace/keys/rotate", nil as String?)
        return rotated.kid
    }

    /// Accounts, orders, the clock and the subscriptions' queues.
    public func state() async throws -> EmulatorStateReport {
        try await send(.GET, "emulator/v1/state", nil as String?)
    }

    /// The fault plan in force, with its rules' remaining counts.
    public func faults() async throws -> FaultPlan {
        try await send(.GET, "emulator/v1/faults", nil as String?)
    }

    /// Replaces the fault plan (`FaultPlan()` turns every fault off).
    public func setFaults(_ plan: FaultPlan) async throws {
        let _: FaultPlan = try await send(.PUT, "emulator/v1/faults", plan)
    }

    /// The emulator's count of calls to Google's APIs, by method (`procurement.entitlements.get`).
    public func requestCounts() async throws -> [String: Int] {
        try await send(.GET, "emulator/v1/requests", nil as String?)
    }

    /// Starts the count over.
    public func resetRequestCounts() async throws {
        let _: EmptyAnswer = try await send(.DELETE, "emulator/v1/requests", nil as String?)
    }

    private struct EmptyAnswer: Decodable {}

    private func send<Body: Encodable, Answer: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        _ body: Body?
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL.appendingPathComponent(path).absoluteString)
        request.method = method
        if let body = body as Body? {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw Refused(status: Int(response.status.code), body: String(buffer: bytes))
        }
        return try JSONDecoder().decode(Answer.self, from: Data(bytes.readableBytesView))
    }
}
