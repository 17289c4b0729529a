import MarketplaceCore

/// The bodies of the contract, named as `components.schemas`. Each mirrors the Swift type that
/// encodes it (named in its description), so a field added there is added here; the route and
/// schemathesis checks in CI catch what is forgotten.
extension OpenAPIDocument {
    typealias S = JSONSchema

    static var schemas: [String: JSONValue] {
        var all: [String: JSONValue] = [
            "Problem": S.object(
                [
                    "error": S.described(S.string, "What went wrong, for people."),
                    "status": S.described(S.integer, "The HTTP status."),
                ],
                optional: [
                    "requestId": S.described(
                        S.string,
                        "The request id of an answer Entitle could not give (also in its logs)."
                    ),
                    "records": S.array(
                        S.object(
                            ["index": S.integer, "reasons": S.array(S.string)],
                            optional: ["idempotencyKey": S.string]
                        )
                    ),
                    "idempotencyKeys": S.array(S.string),
                ],
                description: "Entitle's one error shape, across /v1, /api/admin, /metrics and /openapi.json."
            ),
            "Health": S.object(
                ["status": S.oneOf(["ok", "ready", "not ready"])],
                optional: [
                    "version": S.described(S.string, "On /healthz, and on /readyz to the admin token's holder."),
                    "problems": S.described(
                        S.stringMap,
                        "What keeps this replica from working, by part (to the admin token's holder only)."
                    ),
                    "requestId": S.string,
                ]
            ),
            "GoogleEntitlement": S.object(
                [:],
                optional: Dictionary(
                    uniqueKeysWithValues: [
                        "name", "provider", "account", "product", "productExternalName", "quoteExternalName", "plan",
                        "newPendingPlan",
                        "offer", "newPendingOffer", "offerDuration", "newPendingOfferDuration", "state",
                        "usageReportingId",
                        "messageToUser", "orderId", "cancellationReason",
                    ].map { ($0, S.string) }
                ).merging(
                    [
                        "offerEndTime": S.time, "newOfferStartTime": S.time, "newOfferEndTime": S.time,
                        "subscriptionEndTime": S.time,
                        "createTime": S.time, "updateTime": S.time,
                        "consumers": S.array(S.object([:], optional: ["project": S.string])),
                        "inputProperties": ["type": "object"], "entitlementBenefitIds": S.array(S.string),
                    ]
                ) { first, _ in first },
                description:
                    "The entitlement as Google's Procurement API last answered it (Entitle keeps Google's copy as it is)."
            ),
            "LocalEntitlement": S.object(
                ["id": S.string, "resource": S.ref("GoogleEntitlement"), "isDeleted": S.boolean],
                optional: [
                    "accountID": S.string,
                    "requestedApproval": S.described(
                        S.object(["kind": ["type": "object"]], optional: ["forUpdateTime": S.time]),
                        "An approval Entitle asked a person or the vendor's app for (`kind` is {\"activation\": {}} or {\"planChange\": {\"pendingPlan\": …}})."
                    ),
                    "waitingReason": S.described(
                        S.string,
                        "Why the entitlement waits (a manual approval, the buyer's sign-up)."
                    ),
                    "missingSince": S.described(
                        S.time,
                        "Google answered 404 for it since then (deleted once confirmed)."
                    ),
                ],
                description: "Entitle's record of an entitlement (LocalEntitlement)."
            ),
            "AuditEntry": S.object(
                [
                    "at": S.time, "kind": S.oneOf(["event", "action", "repair", "admin", "signup", "usage"]),
                    "subject": S.string,
                    "summary": S.string,
                ],
                optional: [
                    "id": S.int64, "eventID": S.string,
                    "payload": S.described(S.string, "JSON text of what was done or received."),
                ]
            ),
            "EntitlementPage": S.object(
                ["entitlements": S.array(S.ref("LocalEntitlement"))],
                optional: [
                    "nextAfter": S.described(S.string, "Pass as `after` for the next page; absent on the last page.")
                ]
            ),
            "EntitlementDetail": S.object([
                "entitlement": S.ref("LocalEntitlement"), "timeline": S.array(S.ref("AuditEntry")),
            ]),
            "LocalAccount": S.object(
                ["id": S.string, "isSignedUp": S.boolean, "isErased": S.boolean],
                optional: [
                    "signupApproval": S.described(S.string, "Google's approval state of the account's sign-up."),
                    "updateTime": S.time,
                ]
            ),
            "Customer": S.object(
                ["id": S.string, "createdAt": S.time],
                optional: ["company": S.string, "contactName": S.string, "email": S.string, "erasedAt": S.time],
                description: "The vendor's customer an account was linked to at sign-up."
            ),
            "AccountDetail": S.object(
                ["entitlements": S.array(S.ref("LocalEntitlement")), "people": S.array(S.ref("AccountPerson"))],
                optional: ["account": S.ref("LocalAccount"), "customer": S.ref("Customer")]
            ),
            "AccountPerson": S.object(
                [
                    "accountID": S.string, "identity": S.string, "roles": S.array(S.string),
                    "orders": S.array(S.string), "firstSeen": S.time, "lastSeen": S.time,
                ],
                description: "A person who came from Marketplace for the account (google.user_identity)."
            ),
            "Callback": S.object(
                [
                    "id": S.string, "kind": S.oneOf(CallbackKind.allCases.map(\.rawValue)),
                    "body": S.described(S.string, "The JSON text sent (see the webhooks)."), "createdAt": S.time,
                    "queuedAt": S.time,
                    "attempts": S.integer, "nextAttemptAt": S.time,
                    "status": S.oneOf(["pending", "delivered", "failed"]),
                ],
                optional: [
                    "accountID": S.string, "entitlementID": S.string, "deliveredAt": S.time, "lastError": S.string,
                ],
                description: "A provisioning callback in the outbox (OutboxItem)."
            ),
            "Replicas": S.object(
                ["replica": S.described(S.string, "The replica that answered."), "isLeader": S.boolean],
                optional: ["leader": S.object(["replica": S.string, "since": S.time, "heartbeat": S.time])]
            ),
            "PoisonMessage": S.object(
                ["data": S.base64, "attributes": S.stringMap, "reason": S.string, "receivedAt": S.time],
                optional: ["id": S.int64, "messageID": S.string],
                description: "A message that is not a Marketplace notification (acknowledged and kept)."
            ),
            "DeadLetter": S.object(
                [
                    "data": S.base64, "attributes": S.stringMap, "error": S.string, "attempts": S.integer,
                    "firstFailedAt": S.time,
                    "deadLetteredAt": S.time,
                ],
                optional: [
                    "id": S.int64, "messageID": S.string, "eventID": S.string, "subject": S.string,
                    "replayedAt": S.time,
                    "replayError": S.string,
                ],
                description: "A notification whose processing failed too often (DeadLetter)."
            ),
        ]
        all.merge(usageSchemas) { first, _ in first }
        all.merge(appSchemas) { first, _ in first }
        all.merge(agentSchemas) { first, _ in first }
        all.merge(callbackSchemas) { first, _ in first }
        return all
    }

    static var appSchemas: [String: JSONValue] {
        let entitlement = S.object(
            [
                "id": S.string,
                "inService": S.described(S.boolean, "Serve the customer now (active or pending cancellation)."),
                "usageMetrics": S.array(S.string),
            ],
            optional: [
                "accountId": S.string, "product": S.string, "service": S.string, "plan": S.string,
                "pendingPlan": S.string,
                "state": S.string, "offer": S.string, "offerEndTime": S.time, "subscriptionEndTime": S.time,
                "cancellationReason": S.described(
                    S.string,
                    "Why it ended, as Google says (migrated: keep the customer)."
                ),
                "createTime": S.time,
                "updateTime": S.time,
            ],
            description: "An entitlement as the vendor's app sees it (AppEntitlementView)."
        )
        return [
            "AppEntitlement": entitlement,
            "AppCustomer": S.object(
                ["id": S.string, "createdAt": S.time],
                optional: ["company": S.string, "contactName": S.string, "email": S.string]
            ),
            "AppAccount": S.object(
                [
                    "id": S.string, "signedUp": S.boolean, "entitlements": S.array(S.ref("AppEntitlement")),
                    "people": S.array(S.ref("AppPerson")),
                ],
                optional: ["customerId": S.string]
            ),
            "AppPerson": S.object(
                ["identity": S.string, "roles": S.array(S.string), "firstSeen": S.time, "lastSeen": S.time],
                description: "A person who came from Marketplace for the account (google.user_identity, roles)."
            ),
            "AppHandoff": S.object(
                ["customer": S.ref("AppCustomer"), "account": S.ref("AppAccount")],
                optional: ["user": S.ref("AppUser"), "orders": S.array(S.ref("AppOrder"))],
                description:
                    "Who the buyer is (the customer, and the person the sign-up token named) and what they bought."
            ),
            "AppUser": S.object(
                ["roles": S.array(S.string)],
                optional: [
                    "identity": S.described(
                        S.string,
                        "google.user_identity: Google's obfuscated id of the person, stable per Google account."
                    )
                ],
                description: "The person who came from Marketplace."
            ),
            "AppOrder": S.object(
                ["id": S.string],
                optional: ["entitlementId": S.described(S.string, "When Entitle knows the order's entitlement.")],
                description: "An order the sign-up token named."
            ),
            "HandoffRedemption": S.object(
                [
                    "verifier": S.described(
                        ["type": "string", "pattern": "^[A-Za-z0-9._~-]{43,128}$"],
                        "The secret (43–128 of A-Z a-z 0-9 - . _ ~) whose S256 challenge the app sent to "
                            + "/signup/handoff."
                    )
                ],
                closed: true
            ),
            "PendingSignup": S.object(
                [
                    "account": S.ref("AppAccount"), "user": S.ref("AppUser"), "orders": S.array(S.ref("AppOrder")),
                    "expiresAt": S.time,
                ],
                description: "What the vendor's page is about to link: the Marketplace account, the person, the orders."
            ),
            "ProposedSignup": S.object(
                [
                    "continueURL": S.described(
                        S.string,
                        "Send the buyer's browser here (303): the link is made when that browser arrives."
                    ),
                    "expiresAt": S.time, "user": S.ref("AppUser"), "orders": S.array(S.ref("AppOrder")),
                ]
            ),
            "AppCustomerDetail": S.object(["customer": S.ref("AppCustomer"), "accounts": S.array(S.ref("AppAccount"))]),
            "SignupCompletion": S.object(
                ["customerId": S.described(S.nonEmptyString, "The vendor's own id of the customer.")],
                optional: ["company": S.string, "contactName": S.string, "email": S.string],
                closed: true
            ),
            "MessageToUser": S.object(
                [:],
                optional: [
                    "message": S.described(
                        [
                            "type": ["string", "null"], "maxLength": 500,
                            "pattern": "^[^\\u0000-\\u0009\\u000B-\\u001F\\u007F]*$",
                        ],
                        "At most 500 characters, no control characters but line breaks; null or \"\" clears."
                    )
                ],
                description: "What Google shows the buyer waiting on the vendor (messageToUser).",
                closed: true
            ),
            "Decision": S.object(
                [:],
                optional: [
                    "reason": S.described(
                        ["type": ["string", "null"]],
                        "Shown to the buyer for a rejection (null: the default text)."
                    )
                ],
                description: "An optional body of an admin decision.",
                closed: true
            ),
            "PushEnvelope": S.object(
                [
                    "message": S.object(
                        ["data": S.base64],
                        optional: [
                            "attributes": S.stringMap, "messageId": S.string, "publishTime": S.time,
                            "orderingKey": S.string,
                        ]
                    ),
                    "subscription": S.string,
                ],
                optional: ["deliveryAttempt": S.integer],
                description: "What a Pub/Sub push subscription POSTs (wrapped)."
            ),
        ]
    }
}
