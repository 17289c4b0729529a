import EntitleStore
public import Foundation
import MarketplaceCore

/// Hand-offs bound to both ends: the app asks for a code from the browser it wants to sign in,
/// with the S256 challenge of a verifier it keeps in that browser's session (RFC 7636), and Entitle
/// gives one only to the browser that brought Marketplace's token for a linked account. The code
/// is redeemed with the verifier, so neither a code nor a link carried to another browser signs
/// anyone in.
extension SignupFlow {
    /// - Parameters:
    ///   - browser: the value of the browser's sign-up cookie, if it sent one.
    ///   - challenge: base64url(SHA-256(verifier)), 43 characters.
    /// - Returns: `appURL` with the code.
    public func handoffURL(browser: String?, challenge: String) async throws -> URL {
        guard let handoffs else { throw SignupError.unknownSession }
        guard Handoffs.isChallenge(challenge) else { throw SignupError.invalidForm(["challenge": "not S256"]) }
        let time = now()
        guard let browser,
            let session = try await store.signupSession(browserHash: Handoffs.hash(browser), at: time)
        else { throw SignupError.otherBrowser }
        guard session.completedAt != nil, let customer = try await store.customer(forAccount: session.accountID)
        else { throw SignupError.unknownSession }
        return try await handoffs.issue(
            for: session.accountID,
            customer: customer.id,
            person: session.person,
            challenge: challenge,
            to: appURL,
            at: time
        )
    }
}
