import MarketplaceCore

/// The fault plan's decisions, drawn from its seeded generator inside the actor so that a given
/// seed and call sequence always fault the same calls.
extension EmulatorState {
    struct FaultDecision: Sendable {
        var latencyMilliseconds = 0
        /// After serving, before answering.
        var answerLatencyMilliseconds = 0
        var status: Int?
        var retryAfterSeconds: Int?
        /// Serve the call, then answer 500.
        var loseResponse = false
    }

    func setFaults(_ plan: FaultPlan) throws(GoogleAPIError) {
        try plan.validate()
        faults = plan
        faultRandom = SeededRandom(seed: plan.seed ?? 0x5EED)
    }

    func faultDecision(for api: FaultPlan.API, method: String) -> FaultDecision {
        guard let index = faults.ruleIndex(for: api, method: method) else { return FaultDecision() }
        if let after = faults.rules[index].after, after > 0 {
            faults.rules[index].after = after - 1
            return FaultDecision()
        }
        let rule = faults.rules[index]
        var decision = FaultDecision(
            latencyMilliseconds: rule.latencyMilliseconds ?? 0,
            answerLatencyMilliseconds: rule.answerLatencyMilliseconds ?? 0
        )
        if faultRandom.chance(rule.errorRate) {
            decision.status = rule.status ?? 503
            decision.retryAfterSeconds = rule.retryAfterSeconds
        } else if faultRandom.chance(rule.lostResponseRate) {
            decision.loseResponse = true
        }
        return decision
    }
}
