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
                        return Self.alert("/admin/entitlements", .error, "No entitlement \(text).", session)
                    }
                    let reason = fields["reason"].flatMap { $0.isEmpty ? nil : $0 } ?? "Declined by the provider."
                    do {
                        _ = try await actions.decide(decision(reason), for: id, by: "console:\(session.actor)")
                    } catch let refusal as AdminActions.Refusal {
                        return Self.alert(back, .error, refusal.description, session)
                    }
                    return Self.alert(back, .notice, "Done: \(verb.replacingOccurrences(of: "-", with: " ")).", session)
                }
            }
        }
        router.post("admin/entitlements/:id/message") { request, context in
            try await action(request) { session, fields in
                let text = AppAPIController.parameter("id", context)
                let back = "/admin/entitlements/" + ConsoleViews.link(text)
                guard let id = try? EntitlementID(text) else {
                    return Self.alert("/admin/entitlements", .error, "No entitlement \(text).", session)
                }
                let message = fields["message"] ?? ""
                do {
                    _ = try await actions.setMessageToUser(message, for: id, by: "console:\(session.actor)")
                } catch let refusal as AdminActions.Refusal {
                    return Self.alert(back, .error, refusal.sentence, session)
                }
                let done = message.isEmpty ? "Message to the buyer cleared." : "Message to the buyer set."
                return Self.alert(back, .notice, done, session)
            }
        }
        router.post("admin/callbacks/:id/replay") { request, context in
            try await action(request) { session, fields in
                let id = AppAPIController.parameter("id", context)
                let back = fields["back"].flatMap { $0.hasPrefix("/admin/") ? $0 : nil } ?? "/admin/callbacks"
                do {
                    _ = try await actions.replayCallback(id)
                } catch let refusal as AdminActions.Refusal {
                    return Self.alert(back, .error, refusal.sentence, session)
                }
                return Self.alert(back, .notice, "Callback \(id) will be sent again now.", session)
            }
        }
        router.post("admin/dead-letters/:id/replay") { request, context in
            try await action(request) { session, _ in
                let text = AppAPIController.parameter("id", context)
                do {
                    _ = try await actions.replayDeadLetter(text)
                } catch let refusal as AdminActions.Refusal {
                    return Self.alert("/admin/dead-letters", .error, refusal.sentence, session)
                }
                return Self.alert("/admin/dead-letters", .notice, "Dead letter \(text) processed.", session)
            }
        }
        router.post("admin/usage/rerun") { request, _ in
            try await action(request) { session, _ in
                let count = try await actions.rerunUsage(statuses: [.rejected, .checkFailed], entitlement: nil)
                return Self.alert(
                    "/admin/usage",
                    .notice,
                    "\(count) operations will be sent in the next pass.",
                    session
                )
            }
        }
        router.post("admin/usage/operations/:id/rerun") { request, context in
            try await action(request) { session, _ in
                let id = AppAPIController.parameter("id", context)
                do {
                    _ = try await actions.rerunOperation(id)
                } catch let refusal as AdminActions.Refusal {
                    return Self.alert("/admin/usage", .error, refusal.sentence, session)
                }
                return Self.alert("/admin/usage", .notice, "Operation \(id) will be sent in the next pass.", session)
            }
        }
    }
}
