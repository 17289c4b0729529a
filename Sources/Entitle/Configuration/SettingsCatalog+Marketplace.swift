import EntitleStore
import Foundation
import MarketplaceCore

extension SettingsCatalog {
    /// Marketplace's notifications and the decisions they lead to.
    static var notifications: [Setting] {
        [
            .text(
                \.delivery,
                "delivery",
                "ENTITLE_DELIVERY",
                .notifications,
                allowed: ["pull", "push"],
                "`pull`, or `push` to `POST /pubsub/push`"
            ),
            .number(
                \.pullWorkers,
                "pullWorkers",
                "ENTITLE_PULL_WORKERS",
                .notifications,
                1...256,
                "concurrent pull loops (each handles up to 10 messages)"
            ),
            .text(
                \.pushAudience,
                "pushAudience",
                "ENTITLE_PUSH_AUDIENCE",
                .notifications,
                default: "`{publicURL}/pubsub/push`",
                "the push subscription's OIDC `audience`"
            ),
            .text(
                \.pushServiceAccount,
                "pushServiceAccount",
                "ENTITLE_PUSH_SERVICE_ACCOUNT",
                .notifications,
                "the push subscription's OIDC `serviceAccountEmail` (required for push)"
            ),
            .choice(
                \.entitlementPolicy,
                "entitlementPolicy",
                "ENTITLE_ENTITLEMENT_POLICY",
                .notifications,
                "how orders are approved: `automatic`, `manual` or `after-signup`"
            ),
            .choice(
                \.planChangePolicy,
                "planChangePolicy",
                "ENTITLE_PLAN_CHANGE_POLICY",
                .notifications,
                "how plan changes are approved: `automatic` or `manual`"
            ),
            .text(
                \.waitingMessage,
                "waitingMessage",
                "ENTITLE_WAITING_MESSAGE",
                .notifications,
                "what Google shows a buyer whose order or plan change waits for your approval "
                    + "(`messageToUser`, at most 500 characters); unset: nothing"
            ),
            .value(
                \.productPolicies,
                key: "productPolicies",
                environment: nil,
                group: .notifications,
                default: "—",
                summary:
                    "per product: `{\"svc.example.com\": {\"entitlement\": \"manual\", \"planChange\": \"manual\"}}`"
            ),
            .number(
                \.resyncIntervalSeconds,
                "resyncIntervalSeconds",
                "ENTITLE_RESYNC_INTERVAL_SECONDS",
                .notifications,
                0...Int.max,
                "how often resync lists Google's accounts and entitlements and repairs drift (0: off)"
            ),
            .number(
                \.notificationRetrySeconds,
                "notificationRetrySeconds",
                "ENTITLE_NOTIFICATION_RETRY_SECONDS",
                .notifications,
                1...600,
                why: "Pub/Sub's longest ack deadline",
                "a failed notification comes again after this, doubling to 600 s"
            ),
            .number(
                \.deadLetterAfterAttempts,
                "deadLetterAfterAttempts",
                "ENTITLE_DEAD_LETTER_AFTER_ATTEMPTS",
                .notifications,
                1...Int.max,
                "failed attempts before a notification is dead-lettered (kept, acked, replayable)"
            ),
            .number(
                \.absenceConfirmationSeconds,
                "absenceConfirmationSeconds",
                "ENTITLE_ABSENCE_CONFIRMATION_SECONDS",
                .notifications,
                0...Int.max,
                "how long Google must keep answering 404 for an entitlement in service before it is believed gone"
            ),
        ]
    }

    /// The buyer's sign-up and the hand-off to the vendor's app.
    static var signup: [Setting] {
        [
            .list(
                \.signupAudiences,
                "signupAudiences",
                "ENTITLE_SIGNUP_AUDIENCES",
                .signup,
                "your product domains, the sign-up token's `aud` (comma-separated in the environment; required "
                    + "with Google credentials)"
            ),
            .text(
                \.signupMode,
                "signupMode",
                "ENTITLE_SIGNUP_MODE",
                .signup,
                allowed: ["hosted", "redirect"],
                "`hosted` (Entitle's form) or `redirect` (your page at `signupURL` completes the sign-up)"
            ),
            .text(
                \.signupURL,
                "signupURL",
                "ENTITLE_SIGNUP_URL",
                .signup,
                "redirect mode: your sign-up page; the buyer arrives with `?code=`"
            ),
            .text(
                \.signupTemplates,
                "signupTemplates",
                "ENTITLE_SIGNUP_TEMPLATES",
                .signup,
                "a folder whose `layout.mustache`, `signup.mustache`, `problem.mustache` replace the hosted "
                    + "pages (checked at start)"
            ),
            .number(
                \.signupSessionSeconds,
                "signupSessionSeconds",
                "ENTITLE_SIGNUP_SESSION_SECONDS",
                .signup,
                1...600,
                "how long a buyer's visit from Marketplace lasts: to fill in the sign-up form, or for the "
                    + "vendor's page to link and the app to ask for a hand-off (at most 10 minutes); expired "
                    + "sessions are removed"
            ),
            .number(
                \.signupLimitPerAddress,
                "signupLimitPerAddress",
                "ENTITLE_SIGNUP_LIMIT_PER_ADDRESS",
                .signup,
                0...Int.max,
                "sign-ups (`POST /signup`) one client address may start per minute, per replica (0: no limit)"
            ),
            .number(
                \.signupLimitPerAccount,
                "signupLimitPerAccount",
                "ENTITLE_SIGNUP_LIMIT_PER_ACCOUNT",
                .signup,
                0...Int.max,
                "sign-ups one Marketplace account may start per minute, per replica (0: no limit)"
            ),
            .text(
                \.appURL,
                "appURL",
                "ENTITLE_APP_URL",
                .signup,
                default: "`{publicURL}/signup/done`",
                "where a signed-up buyer is sent; with hand-offs, the app asks Entitle there for a code "
                    + "(`/signup/handoff`, docs/integrating.md)"
            ),
            .text(
                \.loginURL,
                "loginURL",
                "ENTITLE_LOGIN_URL",
                .signup,
                default: "`appURL`",
                "where a returning buyer (an account signed up before) is sent: your log-in page, or unset "
                    + "for a hand-off that names the person"
            ),
            .text(
                \.signupApp,
                "signupApp",
                "ENTITLE_SIGNUP_APP",
                .signup,
                default: "the only app, or `default`",
                "the app whose key redeems sign-up hand-off codes"
            ),
            .number(
                \.handoffSeconds,
                "handoffSeconds",
                "ENTITLE_HANDOFF_SECONDS",
                .signup,
                1...600,
                "how long a hand-off code can be redeemed (at most 10 minutes)"
            ),
        ]
    }

    /// Callbacks to the vendor's app, and notices to people.
    static var callbacks: [Setting] {
        [
            .text(
                \.callbackURL,
                "callbackURL",
                "ENTITLE_CALLBACK_URL",
                .callbacks,
                "your webhook for provisioning callbacks"
            ),
            .text(
                \.callbackSecret,
                "callbackSecret",
                "ENTITLE_CALLBACK_SECRET",
                .callbacks,
                secret: true,
                "the HMAC secret callbacks are signed with (required with a URL)"
            ),
            .text(
                \.callbackSecretPrevious,
                "callbackSecretPrevious",
                "ENTITLE_CALLBACK_SECRET_PREVIOUS",
                .callbacks,
                secret: true,
                "while rotating: the old secret; callbacks carry a signature with each "
                    + "(docs/security.md, rotating secrets)"
            ),
            .number(
                \.callbackClaimSeconds,
                "callbackClaimSeconds",
                "ENTITLE_CALLBACK_CLAIM_SECONDS",
                .callbacks,
                15...Int.max,
                why: "a delivery may take 10 s",
                "how long a replica's claim on a callback it is sending lasts; a dead replica's claims pass to "
                    + "another after this"
            ),
            .text(
                \.slackWebhookURL,
                "slackWebhookURL",
                "ENTITLE_SLACK_WEBHOOK_URL",
                .callbacks,
                secret: true,
                "a Slack incoming webhook told what waits on a person"
            ),
        ]
    }
}
