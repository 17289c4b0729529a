import Foundation
import GoogleCloud
import MarketplaceEmulator

extension ServiceAccountKey {
    /// The emulator's key file as Entitle's credentials read it: through its JSON, as a file on
    /// disk would be (the two modules share no types, on purpose).
    init(_ file: ServiceAccountKeyFile) throws {
        self = try JSONDecoder().decode(ServiceAccountKey.self, from: try JSONEncoder().encode(file))
    }
}
