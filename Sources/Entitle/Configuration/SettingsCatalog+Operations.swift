import EntitleStore
import Foundation
import MarketplaceCore

extension SettingsCatalog {
    /// Usage metering.
    static var usage: [Setting] {
        [
            .value(
                \.usageAPIKeys,
                key: "usageAPIKeys",
                environment: "ENTITLE_USAGE_API_KEY",
                group: .usage,
                default: "none (sandbox: made)",
                secret: true,
                summary:
                    "`{\"app-name\": \"key\"}`: your apps' keys for `/v1` (the environment sets app "
                    + "`default`'s); without any, `/v1` is off. A bare key may do everything; "
                    + "`{\"keys\": [...], \"permissions\": [...], \"products\": [...]}` scopes an app "
                    + "(docs/security.md, app keys)",
                parse: { ["default": AppAccess($0)] }
            ),
            .value(
                \.usageMetrics,
                key: "usageMetrics",
                environment: nil,
                group: .usage,
                default: "— (sandbox: the emulator's catalog)",
                summary:
                    "`{\"product-id\": {\"plan-id\": [\"requests\", \"storage_gib\"]}}`, metric ids as in "
                    + "Producer Portal"
            ),
            .number(
                \.usageWindowSeconds,
                "usageWindowSeconds",
                "ENTITLE_USAGE_WINDOW_SECONDS",
                .usage,
                1...86_400,
                "the reporting window (divides a day)"
            ),
            .number(
                \.usageReportIntervalSeconds,
                "usageReportIntervalSeconds",
                "ENTITLE_USAGE_REPORT_INTERVAL_SECONDS",
                .usage,
                0...Int.max,
                "how often usage is sealed and reported (0: off)"
            ),
            .number(
                \.usageMaxQuantity,
                "usageMaxQuantity",
                "ENTITLE_USAGE_MAX_QUANTITY",
                .usage,
                1...Int64.max,
                "the largest quantity one usage record may carry (larger: 422)"
            ),
        ]
    }

    /// The admin API, the console and metrics.
    static var console: [Setting] {
        [
            .text(
                \.adminToken,
                "adminToken",
                "ENTITLE_ADMIN_TOKEN",
                .console,
                default: "none (sandbox: made)",
                secret: true,
                "bearer token of `/api/admin` and the console's sign-in; without it both are off"
            ),
            .text(
                \.adminTokenPrevious,
                "adminTokenPrevious",
                "ENTITLE_ADMIN_TOKEN_PREVIOUS",
                .console,
                secret: true,
                "while rotating: the old admin token, still accepted (docs/security.md, rotating secrets)"
            ),
            .number(
                \.consoleSessionSeconds,
                "consoleSessionSeconds",
                "ENTITLE_CONSOLE_SESSION_SECONDS",
                .console,
                60...604_800,
                "how long an admin console sign-in lasts"
            ),
            .text(
                \.consoleIAPAudience,
                "consoleIAPAudience",
                "ENTITLE_CONSOLE_IAP_AUDIENCE",
                .console,
                "behind Identity-Aware Proxy: trust IAP's signed header for this audience instead of the token sign-in"
            ),
            .list(
                \.consoleIAPEmails,
                "consoleIAPEmails",
                "ENTITLE_CONSOLE_IAP_EMAILS",
                .console,
                "the IAP-verified emails let into the console (comma-separated in the environment)"
            ),
            .flag(
                \.metricsEnabled,
                "metricsEnabled",
                "ENTITLE_METRICS_ENABLED",
                .console,
                "serve `GET /metrics` (Prometheus text format); `false` records nothing"
            ),
            .text(
                \.metricsToken,
                "metricsToken",
                "ENTITLE_METRICS_TOKEN",
                .console,
                secret: true,
                "when set, a scrape must carry `Authorization: Bearer <token>`"
            ),
            .flag(
                \.metricsPublic,
                "metricsPublic",
                "ENTITLE_METRICS_PUBLIC",
                .console,
                "serve `/metrics` without a token off loopback; otherwise it needs `metricsToken` unless `httpHost` "
                    + "is a loopback address"
            ),
        ]
    }

    /// How long rows are kept.
    static var retention: [Setting] {
        [
            .number(
                \.inboxRetentionDays,
                "inboxRetentionDays",
                "ENTITLE_INBOX_RETENTION_DAYS",
                .retention,
                RetentionPolicy.minimumInboxDays...Int.max,
                why: "Pub/Sub redelivers for up to 7 days",
                "processed eventIds kept"
            ),
            .number(
                \.auditRetentionDays,
                "auditRetentionDays",
                "ENTITLE_AUDIT_RETENTION_DAYS",
                .retention,
                1...Int.max,
                "audit rows kept (not shorter than the inbox)"
            ),
            .number(
                \.poisonRetentionDays,
                "poisonRetentionDays",
                "ENTITLE_POISON_RETENTION_DAYS",
                .retention,
                1...Int.max,
                "poison messages, dead letters and stale failure counts kept"
            ),
            .number(
                \.usageRecordRetentionDays,
                "usageRecordRetentionDays",
                "ENTITLE_USAGE_RECORD_RETENTION_DAYS",
                .retention,
                1...Int.max,
                "usage records kept after their operation was reported (never before); a resend of an older "
                    + "key counts again"
            ),
            .number(
                \.usageOperationRetentionDays,
                "usageOperationRetentionDays",
                "ENTITLE_USAGE_OPERATION_RETENTION_DAYS",
                .retention,
                1...Int.max,
                "reported operations of the usage ledger kept (not shorter than usageRecordRetentionDays; never "
                    + "one not reported, nor one whose records are kept)"
            ),
            .number(
                \.callbackRetentionDays,
                "callbackRetentionDays",
                "ENTITLE_CALLBACK_RETENTION_DAYS",
                .retention,
                1...Int.max,
                "delivered and given-up callbacks kept (pending ones always)"
            ),
            .number(
                \.pruneIntervalSeconds,
                "pruneIntervalSeconds",
                "ENTITLE_PRUNE_INTERVAL_SECONDS",
                .retention,
                0...Int.max,
                "how often old rows are pruned, 500 at a time per table with a pause between (0: off)"
            ),
        ]
    }
}
