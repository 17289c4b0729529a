import EntitleTestSupport
import Testing

@testable import EntitleStore

@Suite(.paced) struct DecodedRecordsTests {
    struct Note: Codable, Sendable, Equatable {
        var text: String
    }

    @Test("a record is decoded again whenever its text changed, and the cache stays within its capacity")
    func textDecides() throws {
        let cache = DecodedRecords<Note>(capacity: 2)
        #expect(try cache.record("a", text: #"{"text":"one"}"#) == Note(text: "one"))
        #expect(try cache.record("a", text: #"{"text":"two"}"#) == Note(text: "two"), "changed text, new record")
        #expect(try cache.record("a", text: #"{"text":"two"}"#) == Note(text: "two"))
        #expect(try cache.record("b", text: #"{"text":"three"}"#) == Note(text: "three"))
        #expect(try cache.record("c", text: #"{"text":"four"}"#) == Note(text: "four"), "past capacity")
        #expect(throws: (any Error).self) { try cache.record("a", text: "not JSON") }
    }
}
