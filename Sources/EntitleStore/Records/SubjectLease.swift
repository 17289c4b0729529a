/// A replica's lease on a subject (`entitlements/{id}`, `accounts/{id}`): replicas decide about
/// one subject one at a time (`Store.acquireSubject`).
public struct SubjectLease: Hashable, Sendable {
    public var subject: String
    /// The replica holding it.
    public var holder: String

    public init(subject: String, holder: String) {
        self.subject = subject
        self.holder = holder
    }
}
