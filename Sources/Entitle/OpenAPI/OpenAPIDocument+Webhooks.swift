import MarketplaceCore

/// The provisioning callbacks Entitle POSTs to the vendor's `callbackURL`, one webhook per type:
/// the same envelope (`CallbackMessage`), signed (`Entitle-Signature: t=…,v1=HMAC-SHA256(secret,
/// "t.body")`), retried until the app answers 2xx, replayable from the outbox.
extension OpenAPIDocument {
    static let callbackMeanings: [CallbackKind: String] = [
        .customerSignedUp: "A buyer finished sign-up; the account is linked to a customer and approved.",
        .approvalRequested:
            "An order or a plan change waits for the vendor's decision (approval policy `app` or `manual`).",
        .offerAccepted: "A private offer was accepted; provision for its terms.",
        .activated: "The entitlement is ACTIVE: serve the customer.",
        .planChangeRequested: "The buyer asked for another plan (see newPendingPlan).",
        .planChanged: "The plan changed; serve the new plan.",
        .pendingCancellation: "Cancelled at the end of the term; keep serving until then.",
        .cancellationReverted: "The buyer took back a pending cancellation.",
        .cancelled: "The entitlement ended: stop serving (entitlement.cancellationReason says why).",
        .migrated:
            "The order moved to another billing account and ended (cancellationReason migrated): keep the "
            + "customer's data; the new order arrives as any order does.",
        .offerEnded: "A private offer's term ended.",
        .renewed: "The term renewed.",
        .accountDeleted: "The Marketplace account was deleted; its customer's personal data is erased.",
        .personAdded:
            "Another person of an account already linked came from Marketplace (user says who): add them "
            + "to the tenant.",
        .agentClientRegistered:
            "Gemini Enterprise was given an OAuth client for an agent order (clientId): tokens of that client "
            + "are for this entitlement.",
        .agentClientRevoked:
            "The agent order left service and its client (clientId) was deleted at the identity provider.",
        .usageCheckFailed:
            "Service Control refused usage for this entitlement (detail says why); reporting for it is held.",
        .usageReportingBlocked:
            "Google refuses Entitle's access to Service Control: no usage is reported until that is fixed.",
    ]

    static var callbackSchemas: [String: JSONValue] {
        [
            "CallbackMessage": S.object(
                [
                    "id": S.described(
                        S.string,
                        "Stable per cause: a resend of the same callback carries the same id (deduplicate on it)."
                    ),
                    "type": S.oneOf(CallbackKind.allCases.map(\.rawValue)), "createdAt": S.time,
                ],
                optional: [
                    "accountId": S.string, "entitlementId": S.string,
                    "eventId": S.described(S.string, "The Marketplace notification that caused it."),
                    "entitlement": S.ref("GoogleEntitlement"), "detail": S.string,
                    "user": S.described(S.ref("AppUser"), "The person who came from Marketplace."),
                    "clientId": S.described(S.string, "The agent order's OAuth client (agent.* callbacks)."),
                ],
                description: "The body of every provisioning callback (CallbackMessage)."
            )
        ]
    }

    static var webhooks: [String: JSONValue] {
        let headers: [JSONValue] = [
            [
                "name": "Entitle-Signature", "in": "header", "required": true, "schema": S.string,
                "description":
                    "t=<unix seconds>,v1=<hex HMAC-SHA256(callbackSecret, \"<t>.<body>\")>; refuse a stale t (5 minutes).",
            ],
            [
                "name": "Entitle-Callback-Id", "in": "header", "required": true, "schema": S.string,
                "description": "The body's id.",
            ],
            [
                "name": "Entitle-Callback-Type", "in": "header", "required": true, "schema": S.string,
                "description": "The body's type.",
            ],
        ]
        var all: [String: JSONValue] = [:]
        for kind in CallbackKind.allCases {
            let schema: JSONValue = [
                "allOf": [S.ref("CallbackMessage"), ["properties": ["type": ["const": .string(kind.rawValue)]]]]
            ]
            all[kind.rawValue] = [
                "post": [
                    "operationId": .string("callback." + kind.rawValue),
                    "tags": ["callbacks"],
                    "summary": .string(callbackMeanings[kind] ?? kind.rawValue),
                    "parameters": .array(headers),
                    "requestBody": ["required": true, "content": ["application/json": ["schema": schema]]],
                    "responses": [
                        "2XX": ["description": "Delivered: Entitle does not send it again."],
                        "default": [
                            "description":
                                "Not delivered: retried with backoff, then marked failed (replay from the outbox)."
                        ],
                    ],
                ]
            ]
        }
        return all
    }
}
