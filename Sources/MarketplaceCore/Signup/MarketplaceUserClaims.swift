/// The person-and-orders part of Marketplace's sign-up token (`google.user_identity`, `roles`,
/// `orders`), read as Google may send it. Google documents these claims loosely and has changed
/// them (`orders` arrived with multiple orders per product), so a shape Entitle does not expect
/// must not refuse every sign-up: `roles` is a string or a list, `orders` a list of ids or of
/// objects naming one, and whatever else is there is ignored. The claims that make the token
/// trustworthy (`iss`, `aud`, `exp`, `sub`, the header's `alg` and `kid`) stay strict elsewhere.
public struct MarketplaceUserClaims: Hashable, Sendable, Decodable {
    /// The person's stable, obfuscated Google identity; nil when absent or not a string or number.
    public var userIdentity: String?
    public var roles: [String]
    /// Order ids, as `Entitlement.orderId` spells them.
    public var orders: [String]

    public init(userIdentity: String? = nil, roles: [String] = [], orders: [String] = []) {
        self.userIdentity = userIdentity
        self.roles = roles
        self.orders = orders
    }

    /// Bounds on what is kept: the values reach the store, logs and the app.
    public static let maxValues = 100
    public static let maxValueBytes = 256

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Keys an order object may name its id by, in the order they are tried.
    static let orderIDKeys = ["orderId", "order_id", "id", "order", "name"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        userIdentity = Self.scalar(container, "user_identity").flatMap(Self.bounded)
        roles = Self.strings(container, "roles")
        orders = Self.orders(container, "orders")
    }

    /// `google.orders`, or top-level `orders` when `google` has none (where it sits is not documented).
    public mutating func addOrders(fromTopLevel other: MarketplaceUserClaims?) {
        if orders.isEmpty, let other { orders = other.orders }
    }

    private static func scalar(_ container: KeyedDecodingContainer<Key>, _ name: String) -> String? {
        let key = Key(stringValue: name)
        if let text = try? container.decode(String.self, forKey: key) { return text }
        if let number = try? container.decode(Int64.self, forKey: key) { return String(number) }
        return nil
    }

    private static func strings(_ container: KeyedDecodingContainer<Key>, _ name: String) -> [String] {
        let key = Key(stringValue: name)
        if let one = try? container.decode(String.self, forKey: key) { return [one].compactMap(bounded) }
        guard let list = try? container.decode([Lenient].self, forKey: key) else { return [] }
        return limited(list.compactMap(\.text))
    }

    private static func orders(_ container: KeyedDecodingContainer<Key>, _ name: String) -> [String] {
        let key = Key(stringValue: name)
        if let one = try? container.decode(Lenient.self, forKey: key), let id = one.orderID { return [id] }
        guard let list = try? container.decode([Lenient].self, forKey: key) else { return [] }
        return limited(list.compactMap(\.orderID))
    }

    private static func limited(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.compactMap(bounded).filter { seen.insert($0).inserted }.prefix(maxValues).map { $0 }
    }

    /// Empty, over-long or control-character values are dropped, not trimmed: a cut id names nothing.
    static func bounded(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= maxValueBytes,
            !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        return value
    }

    /// One element of a list: a string, a number, an object naming an order, or anything else.
    private struct Lenient: Decodable {
        var text: String?
        var orderID: String?

        init(from decoder: any Decoder) throws {
            if let single = try? decoder.singleValueContainer() {
                if let text = try? single.decode(String.self) {
                    self.text = text
                    orderID = text
                    return
                }
                if let number = try? single.decode(Int64.self) {
                    text = String(number)
                    orderID = text
                    return
                }
            }
            if let object = try? decoder.container(keyedBy: Key.self) {
                orderID = MarketplaceUserClaims.orderIDKeys.lazy.compactMap {
                    MarketplaceUserClaims.scalar(object, $0)
                }.first.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
            }
        }
    }
}
