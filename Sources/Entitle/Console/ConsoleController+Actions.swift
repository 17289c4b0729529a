import EntitleStore
import Foundation
import GoogleCloud
import Hummingbird
import MarketplaceCore

/// The console's actions (POST forms with the session's CSRF token): decisions on orders, sending
/// a callback again, processing a dead letter again, re-running refused usage. Each answers with a
/// redirect to the page it came from, saying what happened.
extension ConsoleController {
    func registerActions<Context: RequestContext>(on router: Router<Context>) {
        for (verb, decision) in AdminAPIController.decisions {
            router.post("admin/entitlements/:id/\(verb)") { request, context in
                try await action(request) { session, fields in
                    let text = AppAPIController.parameter("id", context)
                    let back = "/admin/entitlements/" + ConsoleViews.link(text)
                    guard let id = try? EntitlementID(text) else {
                        return Self.redirect("/admin/entitlements?error=" + Self.encode("No entitlement \(text)."))
                    }
                    let reason = fields["reason"].flatMap { $0.isEmpty ? nil : $0 } ?? "Declined by the provider."
                    do {
                        try await processor.decideManually(decision(reason), for: id, by: "console:\(session.actor)")
                    } catch let error as ManualDecisionError {
                        return Self.redirect(back + "?error=" + Self.encode(error.description))
                    } catch let error as GoogleAPIError where error.isFailedPrecondition {
                        return Self.redirect(back + "?error=" + Self.encode("Google refused: \(error.message)"))
                    }
                    return Self.redirect(back + "?notice=" + Self.encode("Done: \(verb.replacingOccurrences(of: "-", with: " "))."))
                }
            }
        }
        router.post("admin/callbacks/:id/replay") { request, context in
            try await action(request) { _, fields in
                let id = AppAPIController.parameter("id", context)
                let back = fields["back"].flatMap { $0.hasPrefix("/admin/") ? $0 : nil } ?? "/admin/callbacks"
                guard try await store.replayCallback(id: id, now: now()) else {
                    return Self.redirect(back + "?error=" + Self.encode("No callback \(id)."))
                }
                return Self.redirect(back + "?notice=" + Self.encode("Callback \(id) will be sent again now."))
            }
        }
        router.post("admin/dead-letters/:id/replay") { request, context in
            try await action(request) { _, _ in
                let text = AppAPIController.parameter("id", context)
                guard let id = Int64(text), let letter = try await store.deadLetter(id: id) else {
                    return Self.redirect("/admin/dead-letters?error=" + Self.encode("No dead letter \(text)."))
                }
                do {
                    _ = try await processor.replay(letter)
                } catch {
                    return Self.redirect("/admin/dead-letters?error=" + Self.encode("Processing failed again: \(error)"))
                }
                return Self.redirect("/admin/dead-letters?notice=" + Self.encode("Dead letter \(id) processed."))
            }
        }
        router.post("admin/usage/rerun") { request, _ in
            try await action(request) { _, _ in
                let count = try await store.rerunUsageOperations(statuses: [.rejected, .checkFailed], entitlement: nil, at: now())
                return Self.redirect("/admin/usage?notice=" + Self.encode("\(count) operations will be sent in the next pass."))
            }
        }
        router.post("admin/usage/operations/:id/rerun") { request, context in
            try await action(request) { _, _ in
                let id = AppAPIController.parameter("id", context)
                guard let operation = try await store.usageOperation(id: id), ![.reported, .superseded].contains(operation.status) else {
                    return Self.redirect("/admin/usage?error=" + Self.encode("Operation \(id) is not one that is re-run."))
                }
                try await store.updateUsageOperations([UsageOperationUpdate(id: id, status: .pending, error: nil, attempted: false)], at: now())
                return Self.redirect("/admin/usage?notice=" + Self.encode("Operation \(id) will be sent in the next pass."))
            }
        }
    }
}
