import EntitleStore
import MarketplaceCore

/// What the app API shows the vendor's app: Entitle's copy of each resource, in the app's terms
/// (ids rather than resource names), with the usage metrics its plan may report.
struct AppEntitlementView: Encodable, Equatable {
    var id: String
    var accountId: String?
    var product: String?
    /// The service name (`productExternalName`), as usage reports name it.
    var service: String?
    var plan: String?
    var pendingPlan: String?
    var state: String?
    /// Whether the app should serve the customer now (active or pending cancellation).
    var inService: Bool
    var offer: String?
    var offerEndTime: Timestamp?
    var subscriptionEndTime: Timestamp?
    /// Why it ended, as Google says (`user-cancelled`, `expired`, `migrated`, …); nil in service.
    var cancellationReason: String?
    var usageMetrics: [String]
    var createTime: Timestamp?
    var updateTime: Timestamp?

    init(_ local: LocalEntitlement, catalog: UsageCatalog) {
        let resource = local.resource
        id = local.id.rawValue
        accountId = local.accountID?.rawValue
        product = resource.product
        service = resource.productExternalName
        plan = resource.plan
        pendingPlan = resource.newPendingPlan
        state = resource.state?.rawValue
        inService = !local.isDeleted && (resource.state?.isInService ?? false)
        offer = resource.offer
        offerEndTime = resource.offerEndTime
        subscriptionEndTime = resource.subscriptionEndTime
        cancellationReason = resource.cancellationReason
        usageMetrics = (catalog.metrics(for: resource) ?? []).sorted()
        createTime = resource.createTime
        updateTime = resource.updateTime
    }
}

struct AppCustomerView: Encodable, Equatable {
    var id: String
    var company: String?
    var contactName: String?
    var email: String?
    var createdAt: Timestamp

    init(_ customer: Customer) {
        id = customer.id
        company = customer.company
        contactName = customer.contactName
        email = customer.email
        createdAt = customer.createdAt
    }
}

struct AppAccountView: Encodable, Equatable {
    var id: String
    var customerId: String?
    var signedUp: Bool
    var entitlements: [AppEntitlementView]
    /// The people who came from Marketplace for the account, the first seen first.
    var people: [AppPersonView] = []
}

/// A person of the account: Google's identity of them, their roles, when they came.
struct AppPersonView: Encodable, Equatable {
    var identity: String
    var roles: [String]
    var firstSeen: Timestamp
    var lastSeen: Timestamp

    init(_ person: AccountPerson) {
        identity = person.identity
        roles = person.roles
        firstSeen = person.firstSeen
        lastSeen = person.lastSeen
    }
}

/// A redeemed hand-off: who the buyer is and what they bought. `user` and `orders` come from the
/// sign-up token the person's browser brought.
struct AppHandoffView: Encodable, Equatable {
    var customer: AppCustomerView
    var account: AppAccountView
    var user: AppUserView?
    var orders: [AppOrderView]?
}

/// The person: `identity` is Google's obfuscated user id, stable per Google account (nil when the
/// token carried none); map it to your own users.
struct AppUserView: Encodable, Equatable {
    var identity: String?
    var roles: [String]

    init(_ person: MarketplacePerson) {
        identity = person.identity
        roles = person.roles
    }
}

/// An order the sign-up token named, with its entitlement when Entitle knows it.
struct AppOrderView: Encodable, Equatable {
    var id: String
    var entitlementId: String?
}

struct AppCustomerDetailView: Encodable, Equatable {
    var customer: AppCustomerView
    var accounts: [AppAccountView]
}

/// Reads what the app API shows from the store, as much of it as the app's key may see: the
/// entitlements of its products, and the people only with `customers:read`.
struct AppDirectory {
    let store: any Store
    let catalog: UsageCatalog
    var access = AppAccess.unrestricted

    func account(_ id: AccountID) async throws -> AppAccountView? {
        guard let account = try await store.account(id) else { return nil }
        let customer = try await store.customer(forAccount: id)
        let entitlements = try await store.entitlements(ofAccount: id)
            .filter { !$0.isDeleted && access.covers($0.resource) }
            .sorted { $0.id.rawValue < $1.id.rawValue }
        let people = access.allows(.customersRead) ? try await store.people(ofAccount: id) : []
        return AppAccountView(
            id: id.rawValue,
            customerId: customer?.id,
            signedUp: account.isSignedUp,
            entitlements: entitlements.map { AppEntitlementView($0, catalog: catalog) },
            people: people.map(AppPersonView.init)
        )
    }

    /// The orders a sign-up token named, each with its entitlement when Entitle knows it.
    func orders(_ ids: [String], of account: AccountID) async throws -> [AppOrderView] {
        let mine = try await store.entitlements(ofAccount: account)
        return ids.map { order in
            AppOrderView(id: order, entitlementId: mine.first { $0.resource.orderId == order }?.id.rawValue)
        }
    }
}

/// An order's OAuth client for Gemini Enterprise, as the agent asks for it with a token's client id.
struct AppAgentClientView: Encodable, Equatable {
    var clientId: String
    /// `active`, or `ended` once the order left service and the client was deleted.
    var state: String
    /// Serve this client's tokens now: the client is active and its order in service.
    var inService: Bool
    var entitlementId: String
    var accountId: String
    var redirectUris: [String]
    var entitlement: AppEntitlementView?
    var registeredAt: Timestamp?
    var endedAt: Timestamp?

    init(_ client: AgentClient, clientID: String, entitlement: AppEntitlementView?) {
        clientId = clientID
        state = client.state.rawValue
        inService = client.state == .active && entitlement?.inService == true
        entitlementId = client.entitlementID.rawValue
        accountId = client.accountID.rawValue
        redirectUris = client.redirectURIs
        self.entitlement = entitlement
        registeredAt = client.registeredAt
        endedAt = client.endedAt
    }
}
