import Foundation
import MarketplaceCore
import Testing

/// `google` of the sign-up token decoded leniently and bounded (the values reach the store, logs
/// and the vendor's app).
@Suite struct MarketplaceUserClaimsTests {
    private func decode(_ json: String) throws -> MarketplaceUserClaims {
        try JSONDecoder().decode(MarketplaceUserClaims.self, from: Data(json.utf8))
    }

    @Test("a numeric identity is kept as text; other shapes of it are dropped, not refused")
    func identityShapes() throws {
        #expect(try decode(#"{"user_identity": 1234}"#).userIdentity == "1234")
        #expect(try decode(#"{"user_identity": {"id": "x"}}"#).userIdentity == nil)
        #expect(try decode(#"{"user_identity": ""}"#).userIdentity == nil)
        #expect(try decode(#"{}"#) == MarketplaceUserClaims())
    }

    @Test("over-long, empty and control-character values are dropped; repeats kept once; at most 100")
    func bounds() throws {
        let long = String(repeating: "r", count: MarketplaceUserClaims.maxValueBytes + 1)
        let claims = try decode(#"{"roles": ["a", "\#(long)", "", "b\u0007", "a", "c"], "user_identity": "\#(long)"}"#)
        #expect(claims.roles == ["a", "c"] && claims.userIdentity == nil, "\(claims)")
        let many = (0..<150).map { #""o-\#($0)""# }.joined(separator: ",")
        let orders = try decode(#"{"orders": [\#(many)]}"#).orders
        #expect(orders.count == MarketplaceUserClaims.maxValues && orders.first == "o-0", "\(orders.count)")
    }

    @Test("orders: ids, numbers and objects mixed; an object naming no order is skipped")
    func mixedOrders() throws {
        let claims = try decode(#"{"orders": ["o-1", 22, {"order_id": "o-3"}, {"other": 1}, null, [1]]}"#)
        #expect(claims.orders == ["o-1", "22", "o-3"], "\(claims.orders)")
    }

    @Test("top-level orders count only when google has none")
    func topLevelOrders() throws {
        var inGoogle = try decode(#"{"orders": ["g-1"]}"#)
        inGoogle.addOrders(fromTopLevel: try decode(#"{"orders": ["t-1"]}"#))
        #expect(inGoogle.orders == ["g-1"])
        var none = try decode(#"{}"#)
        none.addOrders(fromTopLevel: try decode(#"{"orders": ["t-1"]}"#))
        #expect(none.orders == ["t-1"])
    }
}
