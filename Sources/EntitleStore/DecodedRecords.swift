import Synchronization

/// Records decoded from their stored JSON, kept by key with the exact text they were decoded from:
/// a record whose text is unchanged is not decoded again. Usage intake judges every record by its
/// entitlement inside SQLite's one write transaction, where decoding the entitlement's JSON each
/// time was a fifth of the work; comparing the text costs a fraction of that, and a record changed
/// in any way (another replica's write included) is decoded afresh.
final class DecodedRecords<Record: Decodable & Sendable>: Sendable {
    private let capacity: Int
    private let records = Mutex<[String: (text: String, record: Record)]>([:])

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func record(_ key: String, text: String) throws -> Record {
        if let known = records.withLock({ $0[key] }), known.text == text { return known.record }
        let record: Record = try StoreJSON.decode(text)
        records.withLock { records in
            // Forgetting them all now and then keeps the bound without bookkeeping per read.
            if records.count >= capacity { records.removeAll(keepingCapacity: true) }
            records[key] = (text, record)
        }
        return record
    }
}
