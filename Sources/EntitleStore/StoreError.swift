/// A store call that cannot be done as asked.
public enum StoreError: Error, Hashable, CustomStringConvertible {
    case notFound(String)
    /// The database could not be reached, or did not answer within the store's bound
    /// (`storeTimeoutSeconds`): a server stopped or restarting, a network dropping packets, a full
    /// disk. The caller answers 503 and asks to be called again, or hands the work back; a write
    /// whose COMMIT was under way may still have landed, which is safe because every write Entitle
    /// makes can be repeated. Transient by nature: the same call may succeed a moment later.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) does not exist"
        case .unavailable(let why): "the store is unavailable: \(why)"
        }
    }
}
