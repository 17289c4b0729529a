/// Where a store's schema stands against the migrations this build of Entitle knows.
public struct SchemaStatus: Hashable, Sendable {
    /// Migrations this build knows that the store has, in the order they apply.
    public var applied: [String]
    /// Migrations this build knows that the store lacks, in the order they would apply.
    public var pending: [String]
    /// Migrations the store has that this build does not know: a newer Entitle wrote them.
    public var unknown: [String]

    public init(known: [String], present: [String]) {
        let presentSet = Set(present)
        let knownSet = Set(known)
        applied = known.filter { presentSet.contains($0) }
        pending = known.filter { !presentSet.contains($0) }
        unknown = present.filter { !knownSet.contains($0) }.sorted()
    }

    /// Throws `SchemaTooNewError` when a newer Entitle has migrated the store.
    func refuseNewer(_ store: String) throws {
        if !unknown.isEmpty { throw SchemaTooNewError(store: store, unknown: unknown) }
    }
}

/// An older Entitle opening a store that a newer one has migrated. Running would mean writing rows
/// a newer schema may read differently, so Entitle stops before it writes anything.
public struct SchemaTooNewError: Error, Hashable, CustomStringConvertible {
    public var store: String
    public var unknown: [String]

    public var description: String {
        "the \(store) store was migrated by a newer Entitle (it has \(unknown.joined(separator: ", ")), which this "
            + "build does not know). Run that release or a later one against it; downgrades are not supported. "
            + "Nothing was written."
    }
}
