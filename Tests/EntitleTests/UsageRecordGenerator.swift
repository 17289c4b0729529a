import Foundation
import MarketplaceCore

/// The crash tests' usage: batches of 500 records over 20 entitlements and two metrics, one in ten
/// a repeat of a record already sent (same key and body), stamped up to 20 s back so that many
/// fall in windows already sealed; and what Google should bill for them.
struct UsageRecordGenerator {
    let entitlements: [LocalEntitlement]
    let service: String
    let keyPrefix: String
    private var random: SeededRandom
    private var sent: [[String: JSONValue]] = []
    /// Per idempotency key: usageReportingId, metric as Service Control names it, quantity.
    private(set) var accepted: [String: (String, String, Int64)] = [:]

    init(entitlements: [LocalEntitlement], service: String, seed: UInt64, keyPrefix: String) {
        self.entitlements = entitlements
        self.service = service
        self.keyPrefix = keyPrefix
        random = SeededRandom(seed: seed)
    }

    mutating func batch(_ number: Int, size: Int = 500) -> [[String: JSONValue]] {
        var records: [[String: JSONValue]] = []
        for index in 0..<size {
            if !sent.isEmpty, random.next() % 10 == 0 {
                records.append(sent[Int(random.next() % UInt64(sent.count))])
                continue
            }
            let entitlement = entitlements[Int(random.next() % UInt64(entitlements.count))]
            let metric = random.next() % 3 == 0 ? "storage_gib" : "requests"
            let quantity = Int64(random.next() % 100)
            let time = Timestamp(Date()).adding(seconds: -Int64(random.next() % 20))
            let key = "\(keyPrefix)-\(number)-\(index)"
            records.append([
                "entitlementId": .string(entitlement.id.rawValue), "metric": .string(metric),
                "quantity": .number(Double(quantity)),
                "time": .string(time.rfc3339), "idempotencyKey": .string(key),
            ])
            accepted[key] = (entitlement.resource.usageReportingId ?? "", "\(service)/\(metric)", quantity)
        }
        return records
    }

    /// Sent once each batch was accepted.
    mutating func sent(_ records: [[String: JSONValue]]) {
        sent += records
    }

    /// Accepted sums per usageReportingId and metric: what the emulator's totals must be.
    var expectedTotals: [String: [String: Int64]] {
        var expected: [String: [String: Int64]] = [:]
        for (_, value) in accepted { expected[value.0, default: [:]][value.1, default: 0] += value.2 }
        return expected
    }
}
