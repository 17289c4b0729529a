public import MarketplaceCore

/// What one of the vendor's apps may do under `/v1`, as `usageAPIKeys` gives it: its keys (several
/// while one is being rotated), its permissions and, optionally, the products it may read and bill.
/// A bare key string is an app with every permission on every product, as before scoping existed:
/// `{"billing": {"keys": ["…"], "permissions": ["usage:write"], "products": ["svc.example.com"]}}`.
public struct AppAccess: Codable, Hashable, Sendable {
    /// What an app key can be allowed, one per kind of route under `/v1`.
    public enum Permission: String, Codable, CaseIterable, Sendable, Comparable {
        /// `POST /v1/usage`.
        case usageWrite = "usage:write"
        /// `GET /v1/entitlements/{id}`, `GET /v1/accounts/{id}/entitlements`.
        case entitlementsRead = "entitlements:read"
        /// `GET /v1/customers/{id}`, and the people (names, emails) of the accounts it reads.
        case customersRead = "customers:read"
        /// `POST /v1/handoffs/{code}`.
        case handoffs
        /// `GET /v1/signups/{code}`, `POST /v1/signups/{code}/complete`.
        case signups

        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// Any of them opens the app's routes: a new one is added, the app switched, the old one removed.
    public var keys: [String]
    public var permissions: Set<Permission>
    /// Product ids or external names (`svc.example.com`) whose entitlements the key reads and bills;
    /// nil for every product.
    public var products: Set<String>?

    public init(keys: [String], permissions: Set<Permission> = Set(Permission.allCases), products: Set<String>? = nil) {
        self.keys = keys
        self.permissions = permissions
        self.products = products
    }

    /// Every permission and every product, with no key of its own: what a route grants when the
    /// caller's key was checked elsewhere (an embedding app's own authentication).
    public static let unrestricted = AppAccess(keys: [])

    /// One key with every permission on every product: what a bare key string in the settings means.
    public init(_ key: String) {
        self.init(keys: [key])
    }

    public func allows(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Whether the key may read or bill this entitlement: its product (id or external name) is listed.
    public func covers(_ entitlement: Entitlement) -> Bool {
        guard let products else { return true }
        return [entitlement.productExternalName, entitlement.product].contains { $0.map(products.contains) ?? false }
    }

    private enum Field: String, CodingKey, CaseIterable {
        case key, keys, permissions, products
    }

    public init(from decoder: any Decoder) throws {
        if let key = try? decoder.singleValueContainer().decode(String.self) {
            self.init(key)
            return
        }
        let object = try decoder.container(keyedBy: AnyKey.self)
        let unknown = object.allKeys.map(\.stringValue).filter { Field(rawValue: $0) == nil }
        guard unknown.isEmpty else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown field \(unknown.sorted().joined(separator: ", ")); an app has "
                        + "key or keys, permissions, products"
                )
            )
        }
        let fields = try decoder.container(keyedBy: Field.self)
        var keys = try fields.decodeIfPresent([String].self, forKey: .keys) ?? []
        if let key = try fields.decodeIfPresent(String.self, forKey: .key) { keys.insert(key, at: 0) }
        let names = try fields.decodeIfPresent([String].self, forKey: .permissions)
        var permissions = Set(Permission.allCases)
        if let names {
            permissions = []
            for name in names {
                guard let permission = Permission(rawValue: name) else {
                    let known = Permission.allCases.map(\.rawValue).joined(separator: ", ")
                    throw DecodingError.dataCorrupted(
                        .init(
                            codingPath: decoder.codingPath,
                            debugDescription: "\"\(name.bounded())\" is not a permission (\(known))"
                        )
                    )
                }
                permissions.insert(permission)
            }
        }
        let products = try fields.decodeIfPresent([String].self, forKey: .products).map(Set.init)
        self.init(keys: keys, permissions: permissions, products: products)
    }

    /// A bare string when it is one, as it was written.
    public func encode(to encoder: any Encoder) throws {
        if keys.count == 1, permissions == Set(Permission.allCases), products == nil {
            var single = encoder.singleValueContainer()
            try single.encode(keys[0])
            return
        }
        var fields = encoder.container(keyedBy: Field.self)
        try fields.encode(keys, forKey: .keys)
        try fields.encode(permissions.sorted().map(\.rawValue), forKey: .permissions)
        try fields.encodeIfPresent(products?.sorted(), forKey: .products)
    }

    /// What is wrong with the app's settings, or nil.
    var problem: String? {
        if keys.isEmpty { return "has no key (key or keys)" }
        if permissions.isEmpty { return "has no permission; it could open nothing" }
        if let products, products.isEmpty { return "lists no product; leave products out for every product" }
        return nil
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
