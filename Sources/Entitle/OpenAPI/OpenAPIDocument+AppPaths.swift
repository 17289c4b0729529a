import MarketplaceCore

/// `/v1`: what the vendor's app calls with its app key (usage, hand-off, redirect sign-up, reads),
/// and the edges everyone reaches (health, metrics, the contract, the buyer's sign-up, push).
extension OpenAPIDocument {
    typealias O = OpenAPIOperation

    static var appOperations: [OpenAPIOperation] {
        let unauthorized = O.problem("No app key, or not one of `usageAPIKeys`.")
        return [
            O(
                method: "post",
                path: "/v1/usage",
                id: "recordUsage",
                tag: "usage",
                summary:
                    "Record usage: one record or a batch of up to 1000, recorded whole or not at all; idempotent per idempotencyKey.",
                security: .app,
                permission: .usageWrite,
                body: O.jsonBody(
                    ["oneOf": [S.ref("UsageRecord"), S.ref("UsageBatch")]],
                    "A record, or {\"records\": [...]}."
                ),
                responses: [
                    202: O.json("Recorded (or a duplicate of what was): each record's window.", S.ref("UsageAccepted")),
                    400: O.problem(
                        "Not JSON, an unknown field, a quantity that is not an exact integer, or a batch of 0 or more than 1000."
                    ),
                    401: unauthorized,
                    409: O.problem(
                        "An idempotency key came back with another body (idempotencyKeys lists them); nothing recorded."
                    ),
                    413: O.problem("The body is over 1 MiB."),
                    422: O.problem(
                        "Records that cannot be billed (records lists each with its reasons); nothing recorded."
                    ),
                ]
            ),
            O(
                method: "post",
                path: "/v1/handoffs/{code}",
                id: "redeemHandoff",
                tag: "app",
                summary:
                    "Exchange the one-time code /signup/handoff gave the buyer's browser, with the verifier of "
                    + "the challenge the app sent, for the customer, the person and what they bought (once, "
                    + "within handoffSeconds).",
                security: .app,
                permission: .handoffs,
                parameters: [O.pathParameter("code", "The `code` query parameter of the redirect to appURL.")],
                body: O.jsonBody(S.ref("HandoffRedemption"), "The app session's verifier."),
                responses: [
                    200: O.json("The customer, the person and the account with its entitlements.", S.ref("AppHandoff")),
                    400: O.problem("No verifier, or not one RFC 7636 allows."),
                    401: unauthorized,
                    403: O.problem("The verifier does not match: another browser asked for the code (now used up)."),
                    404: O.problem("No such code for this app."),
                    410: O.problem("The code was used already, expired, or its customer is gone."),
                    413: O.problem("The body is over 4 KiB."),
                ]
            ),
            O(
                method: "get",
                path: "/v1/signups/{code}",
                id: "getPendingSignup",
                tag: "app",
                summary:
                    "Redirect sign-up: what the vendor's page is about to link (the Marketplace account, the "
                    + "person, the orders), to show before asking.",
                security: .app,
                permission: .signups,
                parameters: [O.pathParameter("code", "The `code` query parameter of the redirect to signupURL.")],
                responses: [
                    200: O.json("The pending sign-up.", S.ref("PendingSignup")),
                    401: unauthorized,
                    404: O.problem("No such sign-up for this app (only signupApp may read sign-ups)."),
                    410: O.problem("The sign-up was completed or expired."),
                ]
            ),
            O(
                method: "post",
                path: "/v1/signups/{code}/complete",
                id: "completeSignup",
                tag: "app",
                summary:
                    "Redirect sign-up: the vendor's page asks to link the account to this customer; the link "
                    + "(approval, orders decided) is made when the buyer's browser opens continueURL.",
                security: .app,
                permission: .signups,
                parameters: [O.pathParameter("code", "The `code` query parameter of the redirect to signupURL.")],
                body: O.jsonBody(S.ref("SignupCompletion"), "The vendor's customer."),
                responses: [
                    202: O.json(
                        "Asked: send the browser to continueURL (a later request replaces it).",
                        S.ref("ProposedSignup")
                    ),
                    400: O.problem("Not a JSON object, an unknown field, or no customerId."),
                    401: unauthorized,
                    404: O.problem("No such sign-up for this app (only signupApp may complete sign-ups)."),
                    410: O.problem("The sign-up was completed or expired."),
                    413: O.problem("The body is over 16 KiB."),
                    422: O.problem("A field is not acceptable."),
                ]
            ),
            cachedRead(
                "/v1/entitlements/{id}",
                "getEntitlement",
                "One entitlement: state, plan, offer, whether to serve, its usage metrics.",
                O.pathParameter("id", "The entitlement id.", S.id),
                "AppEntitlement",
                permission: .entitlementsRead,
                more: [400: O.problem("Not an entitlement id."), 404: O.problem("No such entitlement.")]
            ),
            cachedRead(
                "/v1/accounts/{id}/entitlements",
                "getAccountEntitlements",
                "A Marketplace account with its customer and its entitlements.",
                O.pathParameter("id", "The account id.", S.id),
                "AppAccount",
                permission: .entitlementsRead,
                more: [400: O.problem("Not an account id."), 404: O.problem("No such account.")]
            ),
            cachedRead(
                "/v1/customers/{id}",
                "getCustomer",
                "A customer (by the vendor's id) with their accounts and entitlements.",
                O.pathParameter("id", "The customer id."),
                "AppCustomerDetail",
                permission: .customersRead,
                more: [404: O.problem("No such customer.")]
            ),
        ]
    }

    static var edgeOperations: [OpenAPIOperation] {
        let signupTimeout = O.html("Google did not answer; the page says to try again.")
        return [
            O(
                method: "get",
                path: "/healthz",
                id: "health",
                tag: "operations",
                summary: "Liveness: the process answers.",
                responses: [200: O.json("Alive, with the version.", S.ref("Health"))]
            ),
            O(
                method: "get",
                path: "/readyz",
                id: "ready",
                tag: "operations",
                summary:
                    "Readiness: the store answers and nothing Entitle depends on refuses it. With the admin "
                    + "token (optional) the answer says why, and which version runs.",
                responses: [
                    200: O.json("Ready.", S.ref("Health")),
                    503: O.json("Not ready: problems says why, to the admin token's holder.", S.ref("Health")),
                ]
            ),
            O(
                method: "get",
                path: "/metrics",
                id: "metrics",
                tag: "operations",
                summary: "Prometheus metrics (a bearer token when metricsToken is set).",
                security: .metrics,
                responses: [
                    200: O.text("Prometheus text exposition.", type: "text/plain; version=0.0.4"),
                    401: O.problem("metricsToken is set and this request does not carry it."),
                    403: O.problem("No metricsToken, and Entitle listens beyond loopback without metricsPublic."),
                    503: O.text(
                        "The store did not answer; its gauges are left out.",
                        type: "text/plain; version=0.0.4"
                    ),
                ]
            ),
            O(
                method: "get",
                path: "/openapi.json",
                id: "openAPI",
                tag: "operations",
                summary: "This document, listing the operations this server has (with its configuration).",
                responses: [200: O.json("OpenAPI 3.1.", ["type": "object"])]
            ),
            O(
                method: "post",
                path: "/signup",
                id: "beginSignup",
                tag: "signup",
                summary:
                    "Where Marketplace POSTs the buyer (form field x-gcp-marketplace-token): the sign-up page, or a redirect.",
                body: signupForm(["x-gcp-marketplace-token": S.nonEmptyString]),
                responses: [
                    200: O.html("The sign-up page."),
                    303: O.empty(
                        "A returning buyer to loginURL or appURL, or redirect mode to signupURL with a code; "
                            + "the browser cookie set.",
                        headers: ["Location": O.responseHeader("Where to.")]
                    ),
                    400: O.html("No token in the form."),
                    401: O.html("The token is forged, expired or not for this vendor."),
                    409: O.html("The token completed a sign-up already (a replay): it opens nothing again."),
                    413: O.html("The form is too large."),
                    429: O.html(
                        "Too many sign-ups started from this address or for this account in a minute; "
                            + "`Retry-After` says when to try again."
                    ),
                    502: O.html("Google refused."),
                    503: signupTimeout,
                ]
            ),
            O(
                method: "post",
                path: "/signup/complete",
                id: "finishSignup",
                tag: "signup",
                summary: "The hosted sign-up form: link, approve, redirect the buyer to appURL.",
                body: signupForm(
                    ["session": S.nonEmptyString, "csrf": S.nonEmptyString],
                    optional: ["company": S.string, "contactName": S.string, "email": S.string]
                ),
                responses: [
                    303: O.empty(
                        "Signed up: to appURL, where the app asks for a hand-off.",
                        headers: ["Location": O.responseHeader("appURL.")]
                    ),
                    400: O.html("The form is incomplete."),
                    403: O.html("The form's CSRF token does not match its cookie."),
                    410: O.html("The sign-up expired or was finished."),
                    413: O.html("The form is too large."),
                    422: O.html("The page again, with what to fix."),
                    502: O.html("Google refused."),
                    503: signupTimeout,
                ]
            ),
            O(
                method: "get",
                path: "/signup/continue",
                id: "continueSignup",
                tag: "signup",
                summary:
                    "Redirect mode: the browser back from the vendor's page; links as asked if it is the "
                    + "browser that came from Marketplace.",
                parameters: [
                    O.query(
                        "code",
                        "The code of continueURL.",
                        ["type": "string", "minLength": 1, "maxLength": 128],
                        required: true
                    )
                ],
                responses: [
                    303: O.empty("Linked: to appURL.", headers: ["Location": O.responseHeader("appURL.")]),
                    400: O.html("No code."),
                    403: O.html("Another browser than the one that came from Marketplace: nothing linked."),
                    404: O.html("No such continue code (asked again, only the latest one works)."),
                    410: O.html("The sign-up expired."),
                    502: O.html("Google refused."),
                    503: signupTimeout,
                ]
            ),
            O(
                method: "get",
                path: "/signup/handoff",
                id: "askForHandoff",
                tag: "signup",
                summary:
                    "The app sends the buyer's browser here for a hand-off code bound to its verifier (RFC 7636 S256).",
                parameters: [
                    O.query(
                        "challenge",
                        "base64url(SHA-256(verifier)), 43 characters.",
                        ["type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"],
                        required: true
                    )
                ],
                responses: [
                    303: O.empty("To appURL with code.", headers: ["Location": O.responseHeader("appURL?code=…")]),
                    400: O.html("No challenge, or not S256."),
                    403: O.html("This browser has no sign-up from Marketplace in progress."),
                    410: O.html("The account is not signed up."),
                ]
            ),
            O(
                method: "get",
                path: "/signup/done",
                id: "signupDone",
                tag: "signup",
                summary: "Where the buyer lands when no appURL is set.",
                responses: [200: O.html("Signed up.")]
            ),
            O(
                method: "post",
                path: "/pubsub/push",
                id: "pushNotification",
                tag: "notifications",
                summary: "A Pub/Sub push subscription's delivery (delivery: push), with its OIDC token.",
                security: .push,
                body: O.jsonBody(S.ref("PushEnvelope"), "The wrapped Pub/Sub message."),
                responses: [
                    204: O.empty("Processed (or kept as poison): Pub/Sub does not deliver it again."),
                    401: O.text("No bearer token."),
                    403: O.text("The token is not one Google signed for this audience and service account."),
                    413: O.text("Over the push body limit."),
                    503: O.text(
                        "Not processed: Pub/Sub delivers it again (a notification failing too long is dead-lettered)."
                    ),
                ]
            ),
        ]
    }

    /// A read of the app API: 200 with an ETag, 304 for an If-None-Match that names it.
    static func cachedRead(
        _ path: String,
        _ id: String,
        _ summary: String,
        _ parameter: JSONValue,
        _ schema: String,
        permission: AppAccess.Permission,
        more: [Int: JSONValue]
    )
        -> OpenAPIOperation
    {
        let etag = ["ETag": O.responseHeader("A strong hash of the body: send it back as If-None-Match.")]
        let responses: [Int: JSONValue] = [
            200: O.json("Entitle's copy.", S.ref(schema), headers: etag),
            304: O.empty("Unchanged since the ETag sent.", headers: etag),
            401: O.problem("No app key, or not one of `usageAPIKeys`."),
        ]
        return O(
            method: "get",
            path: path,
            id: id,
            tag: "app",
            summary: summary,
            security: .app,
            permission: permission,
            parameters: [parameter, O.header("If-None-Match", "An ETag this answer had: 304 when it is unchanged.")],
            responses: responses.merging(more) { first, _ in first }
        )
    }

    private static func signupForm(_ fields: [String: JSONValue], optional: [String: JSONValue] = [:]) -> JSONValue {
        [
            "required": true,
            "content": ["application/x-www-form-urlencoded": ["schema": S.object(fields, optional: optional)]],
        ]
    }
}
