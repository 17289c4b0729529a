import Foundation
import MarketplaceCore

/// The people of each account, as their sign-up tokens named them.
enum PersonSQL {
    static func find(_ account: AccountID, identity: String) -> StoreSQL {
        "SELECT first_seen FROM person WHERE account_id = \(account.rawValue) AND identity = \(identity)"
    }

    /// A person seen again keeps their first sighting; roles and orders are the latest token's.
    static func upsert(_ person: AccountPerson) throws -> StoreSQL {
        """
        INSERT INTO person (account_id, identity, roles, orders, first_seen, last_seen)
        VALUES (\(person.accountID.rawValue), \(person.identity), \(try StoreJSON.encode(person.roles)),
            \(try StoreJSON.encode(person.orders)), \(person.firstSeen), \(person.lastSeen))
        ON CONFLICT (account_id, identity) DO UPDATE SET roles = excluded.roles, orders = excluded.orders,
            last_seen = excluded.last_seen
        """
    }

    static func people(ofAccount account: AccountID) -> StoreSQL {
        "SELECT * FROM person WHERE account_id = \(account.rawValue) ORDER BY first_seen, identity"
    }

    static func person(_ row: any StoreRow) throws -> AccountPerson {
        AccountPerson(
            accountID: try AccountID(row.get("account_id", as: String.self)),
            identity: try row.get("identity"),
            roles: try row.json("roles"),
            orders: try row.json("orders"),
            firstSeen: try row.time("first_seen"),
            lastSeen: try row.time("last_seen")
        )
    }
}

/// Records a person's arrival; on their first, also `callbackIfNew` (a new person of an account
/// already linked). Answers whether they were new. Two replicas recording one newcomer at once
/// both may answer new: the callback's stable id keeps it one.
struct RecordPersonPlan: StorePlan {
    let person: AccountPerson
    let callbackIfNew: OutboxItem?
    private var asked = false

    init(person: AccountPerson, callbackIfNew: OutboxItem?) {
        self.person = person
        self.callbackIfNew = callbackIfNew
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Bool> {
        guard asked else {
            asked = true
            return .read([PersonSQL.find(person.accountID, identity: person.identity)])
        }
        let isNew = answers[0].isEmpty
        let callback = isNew ? callbackIfNew.map { [CommitSQL.insert($0)] } ?? [] : []
        return .write([try PersonSQL.upsert(person)] + callback, isNew)
    }
}
