/// `providers/{p}/accounts/{a}`: the full name the Procurement API uses for an account.
public struct AccountName: Hashable, Sendable, CustomStringConvertible {
    public var provider: ProviderID
    public var account: AccountID

    public init(provider: ProviderID, account: AccountID) {
        self.provider = provider
        self.account = account
    }

    /// Parses `providers/{p}/accounts/{a}`.
    /// - Throws: `ResourceNameError.malformedName` for any other shape, or an id error.
    public init(parsing name: String) throws(ResourceNameError) {
        let (provider, id) = try parseProviderName(name, collection: "accounts")
        self.init(provider: try ProviderID(provider), account: try AccountID(id))
    }

    public var description: String { "providers/\(provider)/accounts/\(account)" }
}

/// `providers/{p}/entitlements/{e}`: the full name the Procurement API uses for an entitlement.
public struct EntitlementName: Hashable, Sendable, CustomStringConvertible {
    public var provider: ProviderID
    public var entitlement: EntitlementID

    public init(provider: ProviderID, entitlement: EntitlementID) {
        self.provider = provider
        self.entitlement = entitlement
    }

    /// Parses `providers/{p}/entitlements/{e}`.
    /// - Throws: `ResourceNameError.malformedName` for any other shape, or an id error.
    public init(parsing name: String) throws(ResourceNameError) {
        let (provider, id) = try parseProviderName(name, collection: "entitlements")
        self.init(provider: try ProviderID(provider), entitlement: try EntitlementID(id))
    }

    public var description: String { "providers/\(provider)/entitlements/\(entitlement)" }
}

private func parseProviderName(_ name: String, collection: String) throws(ResourceNameError) -> (String, String) {
    let parts = name.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0] == "providers", parts[2] == collection else {
        throw .malformedName(value: name, expected: "providers/{providerId}/\(collection)/{id}")
    }
    return (String(parts[1]), String(parts[3]))
}
