extension Duration {
    /// The duration in seconds, as a `Double` (for messages, headers and arithmetic with `Date`).
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
