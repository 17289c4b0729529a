public import Foundation

/// How often sign-ups may start: each `POST /signup` verifies a token, writes a session and may call
/// Procurement, so a replayed or scripted one is limited per client address (before the token is
/// even read) and per Marketplace account (once it is verified), per minute and per replica.
/// Over a limit the buyer gets a page saying to wait (429 with `Retry-After`).
public final class SignupRateLimit: Sendable {
    public static let windowSeconds = 60

    /// Starts per minute; 0 is no limit.
    let perAddress: Int
    let perAccount: Int
    let addresses = WindowCounter(windowSeconds: windowSeconds)
    let accounts = WindowCounter(windowSeconds: windowSeconds)
    let now: @Sendable () -> Date

    public init(perAddress: Int, perAccount: Int, now: @escaping @Sendable () -> Date = { Date() }) {
        self.perAddress = perAddress
        self.perAccount = perAccount
        self.now = now
    }

    /// Counts a start from `address`; the seconds to wait when it is one too many, else nil.
    func admit(address: String) -> Int? {
        admit(address, limit: perAddress, in: addresses)
    }

    /// Counts a start for `account`; the seconds to wait when it is one too many, else nil.
    func admit(account: String) -> Int? {
        admit(account, limit: perAccount, in: accounts)
    }

    private func admit(_ key: String, limit: Int, in counter: WindowCounter) -> Int? {
        guard limit > 0 else { return nil }
        let time = now()
        guard counter.add(key, at: time) > limit else { return nil }
        return counter.wait(key, limit: limit, at: time)
    }
}
