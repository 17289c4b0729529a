public import EntitleStore
public import Foundation
import Logging
import MarketplaceCore

/// Redirect mode (`signupMode: redirect`): the vendor's own page links the buyer. Its server asks
/// for the link with the session code from its URL (`propose`), and the link is made only when
/// the browser that brought Marketplace's token opens the continue URL it was given (`finish`):
/// a code carried into another browser (a victim's, logged in to the vendor's app) links nothing.
extension SignupFlow {
    /// What the vendor's page may show before asking to link: the Marketplace account and the
    /// orders the buyer came for.
    public func pending(code: String) async throws -> SignupSession {
        let session = try await openSession(code: code)
        guard session.completedAt == nil else { throw SignupError.alreadyCompleted }
        return session
    }

    /// Records the vendor page's request to link the session's account to `signup`'s customer.
    /// - Returns: where the vendor's page sends the browser to finish, and the session (until when
    ///   it can, whom it is for).
    public func propose(code: String, _ signup: ExternalSignup) async throws -> (url: URL, session: SignupSession) {
        let session = try await pending(code: code)
        if let problem = signup.problem { throw SignupError.invalidForm(["customerId": problem]) }
        let continueCode = SecretToken.random()
        let proposal = SignupProposal(
            codeHash: Handoffs.hash(continueCode),
            customerID: signup.customerID,
            company: signup.company,
            contactName: signup.contactName,
            email: signup.email,
            at: now()
        )
        guard try await store.proposeSignup(sessionID: session.id, proposal) else {
            // Completed or expired between the read and the write.
            throw SignupError.expiredSession
        }
        return (Handoffs.adding(code: continueCode, to: await continueURL()), session)
    }

    /// The browser came back with the continue code: linked, approved, its orders decided, if it
    /// is the browser that brought the token. Opening the link again after it worked goes on to
    /// the app; opened elsewhere, it is refused and nothing changes.
    /// - Parameter browser: the value of the browser's sign-up cookie, if it sent one.
    public func finish(continueCode: String, browser: String?) async throws -> (url: URL, customer: Customer) {
        let found = try await store.signupSession(proposalHash: Handoffs.hash(continueCode))
        guard let session = found, let proposal = session.proposal else { throw SignupError.unknownSession }
        guard let expected = session.browserHash, let browser,
            SecretToken.equal(expected, Handoffs.hash(browser))
        else {
            logger.warning(
                "redirect sign-up continued in another browser; nothing linked",
                metadata: ["account": "\(session.accountID)"]
            )
            throw SignupError.otherBrowser
        }
        guard session.completedAt != nil || now() < session.expiresAt else { throw SignupError.expiredSession }
        let customer = Customer(
            id: proposal.customerID,
            company: proposal.company,
            contactName: proposal.contactName,
            email: proposal.email,
            createdAt: now()
        )
        return (appURL, try await link(session, customer))
    }

    /// The live session of a session code, or why there is none.
    func openSession(code: String) async throws -> SignupSession {
        guard let session = try await store.signupSession(id: Handoffs.hash(code)) else {
            throw SignupError.unknownSession
        }
        guard session.completedAt != nil || now() < session.expiresAt else { throw SignupError.expiredSession }
        return session
    }
}
