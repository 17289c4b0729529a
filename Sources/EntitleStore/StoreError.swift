/// A store call that cannot be done as asked.
public enum StoreError: Error, Hashable, CustomStringConvertible {
    case notFound(String)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) does not exist"
        }
    }
}
