import EntitleStore
import Foundation
import MarketplaceCore

extension SettingsCatalog {
    /// Where and how Entitle listens. PORT comes before httpPort so that ENTITLE_HTTP_PORT, applied after it, wins.
    static var http: [Setting] {
        [
            Setting(
                key: nil,
                environment: "PORT",
                group: .http,
                defaultText: "—",
                summary: "the port a platform assigns (Cloud Run sets it); used when `ENTITLE_HTTP_PORT` is not set",
                isSecret: false,
                fromFile: { _, _ in },
                fromEnvironment: { configuration, text throws(ConfigurationError) in
                    guard let port = Int(text) else {
                        throw ConfigurationError(setting: "PORT", problem: "\"\(text)\" is not a number")
                    }
                    configuration.httpPort = port
                },
                problem: { _ in nil }
            ),
            .text(
                \.httpHost,
                "httpHost",
                "ENTITLE_HTTP_HOST",
                .http,
                "the address Entitle listens on (`0.0.0.0` for every interface)"
            ),
            .number(
                \.httpPort,
                "httpPort",
                "ENTITLE_HTTP_PORT",
                .http,
                0...65535,
                "the port Entitle listens on (0: any free port)"
            ),
            .number(
                \.forwardedForHops,
                "forwardedForHops",
                "ENTITLE_FORWARDED_FOR_HOPS",
                .http,
                0...10,
                "how many proxies in front of Entitle append to `X-Forwarded-For` (a Google load balancer: 2, "
                    + "Cloud Run: 1); the client address throttling keys on comes from there; 0: the peer"
            ),
            .number(
                \.authFailureLimit,
                "authFailureLimit",
                "ENTITLE_AUTH_FAILURE_LIMIT",
                .http,
                0...Int.max,
                "failed credentials (admin token, app key, metrics token, console sign-in) one client address "
                    + "may send per `authFailureWindowSeconds` before it is answered 429 (0: off)"
            ),
            .number(
                \.authFailureWindowSeconds,
                "authFailureWindowSeconds",
                "ENTITLE_AUTH_FAILURE_WINDOW_SECONDS",
                .http,
                1...86_400,
                "the window failed credentials are counted in, and how long a client is refused"
            ),
            .text(
                \.publicURL,
                "publicURL",
                "ENTITLE_PUBLIC_URL",
                .http,
                default: "`http://{httpHost}:{httpPort}`",
                "how buyers and Google reach Entitle (loopback for `0.0.0.0`); sign-up redirects and the push "
                    + "audience follow it"
            ),
            .number(
                \.httpHeaderTimeoutSeconds,
                "httpHeaderTimeoutSeconds",
                "ENTITLE_HTTP_HEADER_TIMEOUT_SECONDS",
                .http,
                1...Int.max,
                "a request's head must arrive within this of the connection opening, or it is closed"
            ),
            .number(
                \.httpBodyTimeoutSeconds,
                "httpBodyTimeoutSeconds",
                "ENTITLE_HTTP_BODY_TIMEOUT_SECONDS",
                .http,
                1...Int.max,
                "a request's whole body must arrive within this of its head (a trickle is cut off too)"
            ),
            .number(
                \.httpIdleTimeoutSeconds,
                "httpIdleTimeoutSeconds",
                "ENTITLE_HTTP_IDLE_TIMEOUT_SECONDS",
                .http,
                1...Int.max,
                "an idle keep-alive connection is closed after this"
            ),
        ]
    }

    /// Google: credentials, endpoints, the provider and its subscription.
    static var google: [Setting] {
        [
            .text(
                \.googleCredentials,
                "googleCredentials",
                "ENTITLE_GOOGLE_CREDENTIALS",
                .google,
                default: "ADC",
                "service-account key file; else `GOOGLE_APPLICATION_CREDENTIALS`, gcloud's file, the metadata "
                    + "server; none: sandbox mode"
            ),
            .text(
                \.googleBaseURL,
                "googleBaseURL",
                "ENTITLE_GOOGLE_BASE_URL",
                .google,
                default: "Google",
                "every Google API at one base URL (an `entitle emulator` run separately)"
            ),
            .text(
                \.providerID,
                "providerID",
                "ENTITLE_PROVIDER_ID",
                .google,
                "your Marketplace provider id (required with Google credentials)"
            ),
            .text(
                \.subscription,
                "subscription",
                "ENTITLE_SUBSCRIPTION",
                .google,
                "`projects/{p}/subscriptions/{s}` on the Marketplace topic (required for pull)"
            ),
            .number(
                \.sandboxEmulatorPort,
                "sandboxEmulatorPort",
                "ENTITLE_SANDBOX_EMULATOR_PORT",
                .google,
                0...65535,
                "sandbox mode: the in-process emulator's port"
            ),
        ]
    }

    /// Where state is kept.
    static var store: [Setting] {
        [
            .text(
                \.storeURL,
                "storeURL",
                "ENTITLE_STORE_URL",
                .store,
                "an SQLite file path (or `sqlite:PATH`), or "
                    + "`postgres://user:password@host:5432/db?sslmode=require&pool_size=10`"
            ),
            .number(
                \.storeTimeoutSeconds,
                "storeTimeoutSeconds",
                "ENTITLE_STORE_TIMEOUT_SECONDS",
                .store,
                1...300,
                "PostgreSQL: the longest any call waits for a connection and the server's answers (also the "
                    + "server's `statement_timeout`); past it the request is answered 503 with `Retry-After`, "
                    + "a notification is handed back, `/readyz` says 503"
            ),
            .number(
                \.shutdownTimeoutSeconds,
                "shutdownTimeoutSeconds",
                "ENTITLE_SHUTDOWN_TIMEOUT_SECONDS",
                .store,
                1...3600,
                "after SIGTERM or SIGINT, the longest Entitle takes to stop whatever the store or Google do "
                    + "(Cloud Run's grace period is 10 s); work not committed by then is handed back, never acked"
            ),
        ]
    }

    /// Read before any configuration exists (`LogSettings`); described here for the reference.
    static var logging: [Setting] {
        [
            .environmentOnly(
                LogSettings.levelVariable,
                .logging,
                default: "`info`",
                "`trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`"
            ),
            .environmentOnly(
                LogSettings.formatVariable,
                .logging,
                default: "`text`",
                "`text` (swift-log's lines on standard error) or `json` (one object per line on standard output)"
            ),
        ]
    }
}
