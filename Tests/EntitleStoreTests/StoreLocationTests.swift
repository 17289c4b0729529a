import EntitleStore
import EntitleTestSupport
import Testing

@Suite(.paced) struct StoreLocationTests {
    @Test(
        "store.url picks the backend",
        arguments: [
            ("entitle.sqlite", StoreLocation.sqlite(path: "entitle.sqlite")),
            ("sqlite:/var/lib/entitle/db.sqlite", .sqlite(path: "/var/lib/entitle/db.sqlite")),
            ("file:data.sqlite", .sqlite(path: "data.sqlite")),
            ("  postgres://entitle@localhost/entitle ", .postgres(url: "postgres://entitle@localhost/entitle")),
            ("postgresql://h/db", .postgres(url: "postgresql://h/db")),
        ]
    )
    func parses(value: String, expected: StoreLocation) throws {
        #expect(try StoreLocation(parsing: value) == expected)
    }

    @Test("unusable values stop start-up with the setting's name", arguments: ["", "   ", "mysql://h/db", "sqlite:"])
    func rejects(value: String) {
        #expect(throws: StoreLocationError.self) { try StoreLocation(parsing: value) }
        do {
            _ = try StoreLocation(parsing: value)
        } catch {
            #expect("\(error)".contains("ENTITLE_STORE_URL"))
        }
    }

    @Test("a PostgreSQL location never prints its URL, which may hold a password")
    func hidesPassword() throws {
        #expect(try !"\(StoreLocation(parsing: "postgres://u:secret@h/db"))".contains("secret"))
    }
}
