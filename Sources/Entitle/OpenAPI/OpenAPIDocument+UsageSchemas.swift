import MarketplaceCore

/// The bodies of the usage API (`POST /v1/usage` and the admin usage routes), as
/// `components.schemas`; each mirrors the Swift type that encodes it.
extension OpenAPIDocument {
    static var usageSchemas: [String: JSONValue] {
        let window = S.object(["start": S.time, "end": S.time])
        let operation = S.object(
            [
                "id": S.string, "entitlementID": S.string, "metric": S.string, "labels": S.stringMap, "window": window,
                "quantity": S.int64,
                "status": S.oneOf(["pending", "reported", "check_failed", "rejected", "unknown", "superseded"]),
                "attempts": S.integer,
                "createdAt": S.time, "updatedAt": S.time,
            ],
            optional: ["lastError": S.string, "reportedAt": S.time],
            description:
                "One Service Control operation of the ledger, written before it is sent (UsageOperationRecord)."
        )
        let aggregate = S.object(
            [
                "entitlementID": S.string, "metric": S.string, "labels": S.stringMap, "windowStart": S.time,
                "quantity": S.int64,
                "records": S.integer,
                "overflows": S.described(S.boolean, "The sum is past Int64.max; the entitlement is not sealed."),
            ],
            description: "Usage recorded and not yet sealed into an operation (UsageAggregate)."
        )
        let cursor = S.object(
            ["entitlementID": S.string, "sealedUntil": S.time, "isFinal": S.boolean],
            optional: [
                "reportedUntil": S.time, "blockedReason": S.string, "blockedAt": S.time, "sealingError": S.string,
                "sealingErrorAt": S.time,
            ]
        )
        let counts = [
            "sealed", "sealingFailures", "resealed", "checks", "checkFailures", "reported", "rejected", "unknown",
            "reportRequests",
        ]
        return [
            "UsageOperation": operation,
            "UsageAggregate": aggregate,
            "UsageCursor": cursor,
            "UsageView": S.object(
                ["operations": S.array(S.ref("UsageOperation")), "unsealed": S.array(S.ref("UsageAggregate"))],
                optional: ["cursor": S.ref("UsageCursor")]
            ),
            "UsageProblems": S.object(
                ["entitlements": S.array(S.ref("UsageCursor")), "rejected": S.array(S.ref("UsageOperation"))],
                optional: ["reportingBlocked": S.object(["reason": S.string, "since": S.time])]
            ),
            "UsageRerun": S.object(["rerun": S.described(S.integer, "How many operations were put back to pending.")]),
            "UsagePass": S.object(
                Dictionary(uniqueKeysWithValues: counts.map { ($0, S.integer) }).merging(["accessDenied": S.boolean]) {
                    first,
                    _ in first
                },
                description: "What one reporting pass did (UsageReporter.PassSummary)."
            ),
            "UsagePreview": S.object(
                ["at": S.time, "toSend": S.array(S.ref("UsageOperation")), "toSeal": S.array(S.ref("UsageAggregate"))],
                description: "What the next pass would seal and send, sending nothing."
            ),
            "UsageRecord": S.object(
                [
                    "metric": S.nonEmptyString,
                    "quantity": S.described(S.int64, "Exact; at most usageMaxQuantity (default 2^53−1)."),
                    "idempotencyKey": S.described(
                        S.nonEmptyString,
                        "The app's id for this record: a resend with it is a duplicate."
                    ),
                ],
                optional: [
                    "entitlementId": S.id, "accountId": S.id,
                    "product": S.described(S.string, "With accountId: the account's entitlement of this product."),
                    "agentClientId": S.described(
                        S.string,
                        "An agent order's OAuth client (the client id of Gemini Enterprise's token): its order."
                    ),
                    "time": S.described(S.time, "When the usage happened (default: when Entitle received it)."),
                    "labels": S.described(
                        S.stringMap,
                        "Marketplace's reserved cloudmarketplace.googleapis.com/resource_name and …/container_name,"
                            + " and your own in Google Cloud's label syntax; at most 64 (docs/usage.md, Labels)."
                    ),
                ],
                description:
                    "One usage record; name the entitlement by entitlementId, by accountId and product, or by "
                    + "agentClientId.",
                closed: true
            ).merging([
                "anyOf": [
                    ["required": ["entitlementId"]], ["required": ["accountId", "product"]],
                    ["required": ["agentClientId"]],
                ]
            ]),
            "UsageBatch": S.object(
                ["records": ["type": "array", "items": S.ref("UsageRecord"), "minItems": 1, "maxItems": 1000]],
                closed: true
            ),
            "UsageAccepted": S.object(
                [
                    "results": S.array(
                        S.object([
                            "idempotencyKey": S.string, "status": S.oneOf(["accepted", "duplicate"]),
                            "windowStart": S.time,
                            "windowEnd": S.time,
                        ])
                    )
                ]
            ),
        ]
    }
}
