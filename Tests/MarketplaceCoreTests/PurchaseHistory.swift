import MarketplaceCore

/// A customer's doings, generated from a seed: purchases, sign-ups and steps on existing orders.
struct PurchaseHistory {
    enum Step: CustomStringConvertible {
        case purchase(account: Int, plan: String, autoOffer: Bool, privateOffer: Bool)
        case signUp(account: Int)
        case onEntitlement(index: Int, CustomerStep)

        var description: String {
            switch self {
            case .purchase(let account, let plan, let auto, let offer):
                "buy(a\(account),\(plan)\(auto ? ",auto" : "")\(offer ? ",offer" : ""))"
            case .signUp(let account): "signUp(a\(account))"
            case .onEntitlement(let index, let step): "e\(index).\(step)"
            }
        }
    }

    var policy: ApprovalPolicy
    var steps: [Step]

    static let plans = ["basic", "standard", "premium"]

    static func random(using random: inout SeededRandom) -> PurchaseHistory {
        let policy = ApprovalPolicy(entitlement: random.chance(0.5) ? .afterSignup : .automatic, planChange: .automatic)
        var steps: [Step] = []
        var purchases = 0
        for _ in 0..<Int.random(in: 8...40, using: &random) {
            let roll = Int.random(in: 0..<100, using: &random)
            if purchases == 0 || roll < 15 {
                purchases += 1
                steps.append(
                    .purchase(
                        account: Int.random(in: 0..<2, using: &random),
                        plan: plans.randomElement(using: &random)!,
                        autoOffer: random.chance(0.2),
                        privateOffer: random.chance(0.5)
                    )
                )
            } else if roll < 22 {
                steps.append(.signUp(account: Int.random(in: 0..<2, using: &random)))
            } else {
                let step: CustomerStep =
                    switch Int.random(in: 0..<11, using: &random) {
                    case 0: .startScheduled
                    case 1: .changePlan(plans.randomElement(using: &random)!, atCycleEnd: random.chance(0.5))
                    case 2: .replaceOffer("offers/replacement-\(steps.count)")
                    case 3: .withdrawPlanChange
                    case 4: .cancel(atTermEnd: random.chance(0.6))
                    case 5: .revertCancellation
                    case 6: .endTerm
                    case 7: .renew
                    case 8: .endOffer
                    case 9: .endCycle
                    default: .purge
                    }
                steps.append(.onEntitlement(index: Int.random(in: 0..<purchases, using: &random), step))
            }
        }
        return PurchaseHistory(policy: policy, steps: steps)
    }
}
