import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `ENTITLE_LOG_FORMAT=json` for a log platform, read off a child's output.
extension SeparateProcessTests {
    @Test(
        "ENTITLE_LOG_FORMAT=json at debug: every output line of `entitle serve` is a JSON object with severity, message and time, through purchases, a failing webhook, a poison message, refused credentials and a shutdown; event lines carry eventId, subject and messageId; no secret appears"
    )
    func jsonLogs() async throws {
        let receiver = HTTPReceiver(statuses: [500])
        try await receiver.serve { webhook in
            try await withSetup(policy: "automatic", callbackURL: webhook) { setup in
                var setup = setup
                let secrets = [
                    "usage": "json-logs-usage-api-key-0123", "metrics": "json-logs-metrics-token-0123",
                    "callback": "crash-test-callback-secret", "admin": Self.adminToken,
                ]
                setup.environment["ENTITLE_LOG_FORMAT"] = "json"
                setup.environment["ENTITLE_LOG_LEVEL"] = "debug"
                setup.environment["ENTITLE_USAGE_API_KEY"] = secrets["usage"]
                setup.environment["ENTITLE_METRICS_TOKEN"] = secrets["metrics"]
                let key = try JSONDecoder().decode(
                    ServiceAccountKey.self,
                    from: try Data(contentsOf: URL(fileURLWithPath: setup.environment["ENTITLE_GOOGLE_CREDENTIALS"]!))
                )
                let pem = key.private_key.split(separator: "\n").filter { !$0.hasPrefix("-----") }
                let running = setup.running
                let child = try ChildProcess(
                    setup.executable,
                    arguments: setup.arguments,
                    environment: setup.environment,
                    outputFile: setup.directory.appendingPathComponent("serve-json.log")
                )
                let listening = try await child.line(containing: "Entitle listening on")
                let banner = try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any]
                let port = try #require((banner?["port"] as? String).flatMap { Int($0) }, "\(listening)")
                let base = URL(string: "http://127.0.0.1:\(port)/")!
                let admin = JSONHTTPClient(baseURL: base, headers: ["Authorization": "Bearer \(Self.adminToken)"])

                var ids: [EntitlementID] = []
                for index in 0..<3 {
                    let purchase = try await running.control.buy(
                        product: "example-messaging-service",
                        plan: "basic",
                        account: "LOG-\(index)"
                    )
                    ids.append(try EntitlementID(purchase.entitlementId))
                }
                _ = try await running.pubSubClient(try await running.transport())
                    .publish(running.emulator.options.topic, [PubSubMessage(data: Data("not json".utf8))])
                var active = 0
                _ = try await eventually(within: .seconds(30), every: .milliseconds(100)) {
                    active = try await stored(admin).values.filter { ids.contains($0.id) && $0.state == .active }.count
                    let delivered = await receiver.requests.count
                    return active == ids.count && delivered > ids.count
                }
                #expect(active == ids.count)
                // Refused credentials of every kind: logged or not, the wrong value must not be echoed.
                let anonymous = JSONHTTPClient(baseURL: base)
                #expect(try await anonymous.get("api/admin/entitlements").status == 401)
                #expect(
                    try await anonymous.send(
                        "POST",
                        "v1/usage",
                        body: ["metric": "x"],
                        headers: ["Authorization": "Bearer nope"]
                    ).status == 401
                )
                #expect(
                    try await anonymous.send(
                        "GET",
                        "metrics",
                        headers: ["Authorization": "Bearer \(secrets["metrics"]!)"]
                    ).status == 200
                )
                #expect(try await anonymous.get("no/such/page").status == 404)
                // A forged sign-up token whose 40 KB algorithm name carries a line of its own.
                let forged = Self.forgedToken(alg: String(repeating: "A", count: 40_000) + "\nforged line")
                let refusedSignup = try await anonymous.send(
                    "POST",
                    "signup",
                    raw: Data("x-gcp-marketplace-token=\(forged)".utf8),
                    headers: ["Content-Type": "application/x-www-form-urlencoded"]
                )
                #expect(refusedSignup.status == 401)
                #expect(try await child.stop() == 0)

                let lines = child.output.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
                var objects: [[String: Any]] = []
                for line in lines {
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    #expect(object != nil, "not a JSON object: \(line)")
                    guard let object else { continue }
                    let severity = object["severity"] as? String
                    #expect(
                        ["DEBUG", "INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL"].contains(severity ?? ""),
                        "\(line)"
                    )
                    #expect(object["message"] is String, "\(line)")
                    #expect((object["time"] as? String).flatMap { try? Timestamp(rfc3339: $0) } != nil, "\(line)")
                    objects.append(object)
                }
                #expect(lines.count > 20, "\(lines.count) lines")
                let handled = objects.filter { $0["message"] as? String == "notification handled" }
                #expect(handled.count >= 6, "two notifications per purchase: \(handled.count)")
                for object in handled {
                    #expect(
                        object["eventId"] is String && (object["subject"] as? String)?.contains("/") == true
                            && object["messageId"] is String,
                        "\(object)"
                    )
                }
                let poison = objects.filter { ($0["message"] as? String)?.contains("poison") == true }
                #expect(poison.count == 1 && poison.first?["messageId"] is String, "\(poison)")
                let failed = objects.filter { $0["message"] as? String == "callback failed" }
                #expect(
                    failed.count == 1 && (failed.first?["callbackId"] as? String) != nil
                        && failed.first?["severity"] as? String == "WARNING"
                )
                let output = child.output
                let refusal = objects.first { ($0["reason"] as? String)?.contains("algorithm AAAA") == true }
                let reason = try #require(refusal?["reason"] as? String, "the refusal is logged with its reason")
                #expect(reason.utf8.count < 400, "bounded: \(reason)")
                #expect(!output.contains(String(repeating: "A", count: 1_000)) && !output.contains("forged line"))
                for (name, secret) in secrets { #expect(!output.contains(secret), "the \(name) secret is in the logs") }
                for chunk in pem where chunk.count > 16 {
                    #expect(!output.contains(chunk), "the private key is in the logs")
                }
            }
        }
    }

    /// A token that is not Google's: any header, an empty payload, no real signature.
    static func forgedToken(alg: String) -> String {
        func encode(_ object: [String: String]) -> String {
            let data = try! JSONSerialization.data(withJSONObject: object)
            return data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        return encode(["alg": alg, "kid": "k"]) + "." + encode(["sub": "x"]) + ".c2ln"
    }
}
