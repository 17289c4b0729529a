public import MarketplaceCore

/// The deterministic `operationId` of a usage operation (contract §5.3): a UUIDv5 (RFC 9562) of
/// entitlement, metric, labels and window start, so that a resend after a crash or a timeout
/// carries the same id, and Google (and the ledger) can tell it is the same operation.
public enum UsageOperationID {
    /// Entitle's namespace for these names (a fixed random UUID).
    static let namespace: [UInt8] = [
        0x3d, 0x6f, 0x7a, 0x52, 0x9b, 0x1e, 0x4c, 0x83, 0xa1, 0x57, 0x0e, 0x2b, 0x64, 0xc9, 0xd8, 0x11,
    ]

    /// - Parameters:
    ///   - labels: the labels' canonical JSON (sorted keys), `{}` for none.
    ///   - length: the window length; a window that ends early (at a cancellation) has its end in
    ///     the name too, so that re-sealing a window once the cancellation is known makes a new id.
    public static func make(
        _ entitlement: EntitlementID,
        _ metric: String,
        _ labels: String,
        window: UsageWindow,
        length: Int64
    ) -> String {
        var parts = [entitlement.rawValue, metric, labels, window.start.rfc3339]
        if window.end != window.start.adding(seconds: length) { parts.append(window.end.rfc3339) }
        return HashedUUID.v5(namespace: namespace, name: parts.joined(separator: "\u{1F}"))
    }
}
