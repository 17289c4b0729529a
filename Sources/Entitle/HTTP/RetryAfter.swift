/// What a client refused during a passing outage is asked to wait (`Retry-After`, seconds): about
/// the time a restarting database takes, and what `/readyz` needs to notice it is back.
enum RetryAfter {
    static let storeOutage = 5
}
