public import Foundation

extension MarketplaceEvent {
    /// Decodes the JSON of a Pub/Sub message's `data`. Unknown fields are ignored, unknown event
    /// types kept, and empty strings read as absent (Google writes `""` for fields that do not apply).
    /// - Throws: `MarketplaceEventError` saying what is wrong; such a message is poison (record, ack).
    public init(json data: Data) throws(MarketplaceEventError) {
        let wire: WireEvent
        do {
            wire = try JSONDecoder().decode(WireEvent.self, from: data)
        } catch let error as DecodingError {
            throw .malformed(Self.describe(error))
        } catch {
            throw .malformed("\(error)")
        }
        guard let eventID = wire.eventId.nonEmpty else { throw .missingEventID }
        let providerID: ProviderID?
        do {
            providerID = try wire.providerId.nonEmpty.map { (id: String) throws(ResourceNameError) in try ProviderID(id)
            }
        } catch {
            throw .invalidID(error)
        }
        let eventType = wire.eventType.nonEmpty.map(EventType.init(rawValue:))
        let subject: Subject
        do {
            switch (wire.account, wire.entitlement) {
            case (let account?, nil):
                subject = .account(
                    AccountNotice(id: try AccountID(account.id ?? ""), updateTime: try account.updateTime.timestamp())
                )
            case (nil, let entitlement?):
                subject = .entitlement(try entitlement.notice())
            case (nil, nil):
                throw MarketplaceEventError.noSubject
            case (.some, .some):
                throw MarketplaceEventError.ambiguousSubject
            }
        } catch let error as MarketplaceEventError {
            throw error
        } catch let error as ResourceNameError {
            throw .invalidID(error)
        } catch let error as TimestampError {
            throw .invalidTimestamp(error)
        } catch {
            throw .malformed("\(error)")
        }
        self.init(eventID: eventID, eventType: eventType, providerID: providerID, subject: subject)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            "not JSON: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default:
            "\(error)"
        }
    }
}

/// Why a notification payload could not be read. Each is permanent: the message is poison.
public enum MarketplaceEventError: Error, Hashable, CustomStringConvertible {
    case malformed(String)
    case missingEventID
    case noSubject
    case ambiguousSubject
    case invalidID(ResourceNameError)
    case invalidTimestamp(TimestampError)

    public var description: String {
        switch self {
        case .malformed(let detail): "malformed notification: \(detail)"
        case .missingEventID: "notification has no eventId"
        case .noSubject: "notification names neither an account nor an entitlement"
        case .ambiguousSubject: "notification names both an account and an entitlement"
        case .invalidID(let error): "notification has a bad id: \(error)"
        case .invalidTimestamp(let error): "notification has a bad time: \(error)"
        }
    }
}

/// The wire shape, every field optional and as a string, so that validation can say what is wrong.
private struct WireEvent: Decodable {
    var eventId: String?
    var eventType: String?
    var providerId: String?
    var account: WireAccount?
    var entitlement: WireEntitlement?

    struct WireAccount: Decodable {
        var id: String?
        var updateTime: String?
    }

    struct WireEntitlement: Decodable {
        var id: String?
        var updateTime: String?
        var newPlan: String?
        var newOffer: String?
        var newOfferDuration: String?
        var newPendingOfferDuration: String?
        var newOfferStartTime: String?
        var newOfferEndTime: String?

        func notice() throws -> EntitlementNotice {
            EntitlementNotice(
                id: try EntitlementID(id ?? ""),
                updateTime: try updateTime.timestamp(),
                newPlan: newPlan.nonEmpty,
                newOffer: newOffer.nonEmpty,
                newOfferDuration: newOfferDuration.nonEmpty ?? newPendingOfferDuration.nonEmpty,
                newOfferStartTime: try newOfferStartTime.timestamp(),
                newOfferEndTime: try newOfferEndTime.timestamp()
            )
        }
    }
}

extension String? {
    fileprivate var nonEmpty: String? {
        flatMap { $0.isEmpty ? nil : $0 }
    }

    fileprivate func timestamp() throws(TimestampError) -> Timestamp? {
        guard let text = nonEmpty else { return nil }
        return try Timestamp(rfc3339: text)
    }
}
