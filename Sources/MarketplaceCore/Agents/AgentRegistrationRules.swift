import Foundation

/// Whether an order may have an OAuth client for Gemini Enterprise, once its software statement
/// verified: the order is an entitlement Entitle knows, of the account the statement names, of a
/// product sold as an agent, in service, and the account is approved. Pure: the store's copies
/// are read by the caller.
public struct AgentRegistrationRules: Sendable {
    /// The products sold as agents, by `productExternalName` or `product` (as `productPolicies`).
    public var agentProducts: Set<String>

    public init(agentProducts: Set<String>) {
        self.agentProducts = agentProducts
    }

    /// RFC 7591 §3.2.2's answer to a registration that is refused.
    public struct Refusal: Error, Hashable, Sendable {
        /// `invalid_software_statement`, `unapproved_software_statement` or `invalid_redirect_uri`.
        public var error: String
        public var description: String

        public init(error: String, description: String) {
            self.error = error
            self.description = description
        }

        public static func invalidStatement(_ description: String) -> Refusal {
            Refusal(error: "invalid_software_statement", description: description)
        }

        public static func unapproved(_ description: String) -> Refusal {
            Refusal(error: "unapproved_software_statement", description: description)
        }

        public static func invalidRedirect(_ description: String) -> Refusal {
            Refusal(error: "invalid_redirect_uri", description: description)
        }
    }

    /// The statement's order among the account's entitlements: `google.order` is the entitlement id
    /// or its `orderId` (public text does not settle which; both are accepted).
    public static func entitlement(
        forOrder order: String,
        among entitlements: [LocalEntitlement]
    ) -> LocalEntitlement? {
        let bare = order.hasPrefix("orders/") ? String(order.dropFirst("orders/".count)) : order
        return entitlements.first { $0.id.rawValue == bare }
            ?? entitlements.first { $0.resource.orderId == bare }
    }

    /// Nil when the order may have a client; otherwise why not.
    public func refusal(
        order: String,
        entitlement: LocalEntitlement?,
        account: LocalAccount?
    ) -> Refusal? {
        guard let entitlement, !entitlement.isDeleted else {
            return .unapproved("no order \(order.bounded()) of this account is known")
        }
        let products = [entitlement.resource.productExternalName, entitlement.resource.product].compactMap { $0 }
        guard products.contains(where: agentProducts.contains) else {
            return .unapproved("order \(order.bounded()) is not of a product sold as an agent")
        }
        guard entitlement.resource.state?.isInService == true else {
            let state = entitlement.resource.state?.rawValue ?? "unknown"
            return .unapproved("order \(order.bounded()) is not in service (\(state))")
        }
        guard let account, !account.isErased, account.signupApproval == .approved else {
            return .unapproved("the account is not active")
        }
        return nil
    }

    /// Redirect URIs a client may have: absolute https URLs with a host and no fragment
    /// (RFC 6749 §3.1.2), at most 10 of at most 2,000 characters each.
    public static func redirectProblem(_ uris: [String]) -> Refusal? {
        guard !uris.isEmpty else { return .invalidRedirect("no auth_app_redirect_uris") }
        guard uris.count <= 10 else { return .invalidRedirect("\(uris.count) redirect URIs; at most 10") }
        for uri in uris {
            guard uri.count <= 2000, isRedirectURI(uri) else {
                return .invalidRedirect(
                    "redirect URI \(uri.bounded()) is not an https URL without a fragment"
                )
            }
        }
        return nil
    }

    static func isRedirectURI(_ text: String) -> Bool {
        guard let url = URLComponents(string: text) else { return false }
        return url.scheme?.lowercased() == "https" && !(url.host ?? "").isEmpty && url.fragment == nil
            && url.user == nil && url.password == nil
    }
}
