import AsyncHTTPClient
import EntitleStore
import Foundation
import GoogleCloud
import MarketplaceCore
import NIOCore
import NIOHTTP1

/// The checks that need no Procurement answer, and Service Control's.
extension DeploymentDoctor {
    /// Each usage product's service (`usageMetrics` keys: a product id, resolved to its service
    /// name through an entitlement of it, or a service name itself) may be checked.
    func serviceControl(
        _ transport: GoogleAPITransport,
        entitlements: [Entitlement],
        providerAccepted: Bool
    ) async -> [DoctorCheck] {
        let name = "service control"
        guard !configuration.usageMetrics.isEmpty else {
            return [.skip(name, "usage reporting is not configured (usageMetrics)")]
        }
        let client = ServiceControlClient(baseURL: endpoints.serviceControl, transport: transport)
        var checks: [DoctorCheck] = []
        for product in configuration.usageMetrics.keys.sorted() {
            let service =
                product.contains(".") ? product : entitlements.first { $0.product == product }?.productExternalName
            guard let service else {
                let why =
                    providerAccepted
                    ? "no entitlement of it yet to name its service; checked after the first purchase"
                    : "its service is found once Google accepts providerID"
                checks.append(.skip(name, "\(product): \(why)"))
                continue
            }
            let time = Timestamp(now())
            let probe = UsageOperation(
                operationId: UUID().uuidString.lowercased(),
                operationName: "entitle doctor",
                consumerId: Self.probeConsumer,
                startTime: time,
                endTime: time,
                metricValueSets: []
            )
            do {
                // Any answer is permission: the probe consumer is refused inside the answer.
                _ = try await client.check(serviceName: service, probe)
                checks.append(.pass(name, "check is permitted for \(service)"))
            } catch let error as GoogleAPIError where [401, 403, 404].contains(error.httpStatus) {
                checks.append(
                    .fail(
                        name,
                        "check is refused for \(service): \(error.status) \(error.message)",
                        fix:
                            "grant the service account roles/servicemanagement.serviceController on \(service) (Producer Portal links it), "
                            + "and enable the Service Control API in the project"
                    )
                )
            } catch {
                checks.append(
                    .fail(
                        name,
                        "Service Control did not answer for \(service): \(error)",
                        fix: "check the network path to Google's APIs"
                    )
                )
            }
        }
        return checks
    }

    func signupAudiences() -> DoctorCheck {
        configuration.signupAudiences.isEmpty
            ? .fail(
                "sign-up",
                "signupAudiences is empty: every sign-up token would be refused",
                fix: "set signupAudiences (ENTITLE_SIGNUP_AUDIENCES) to your product domains, as in Producer Portal"
            )
            : .pass("sign-up", "tokens are accepted for \(configuration.signupAudiences.joined(separator: ", "))")
    }

    /// A signed `ping` callback, as the dispatcher signs every callback.
    func callback() async -> DoctorCheck {
        let name = "callbacks"
        guard let target = configuration.callbackURL, let url = URL(string: target),
            let secret = configuration.callbackSecret
        else {
            return .skip(name, "no callbackURL: your app is told nothing (poll the admin API instead)")
        }
        let id = "ping-\(UUID().uuidString.lowercased())"
        let body = Data(#"{"id":"\#(id)","type":"ping","createdAt":"\#(Timestamp(now()).rfc3339)"}"#.utf8)
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "entitle")
        request.headers.add(name: "Entitle-Callback-Id", value: id)
        request.headers.add(name: "Entitle-Callback-Type", value: "ping")
        request.headers.add(
            name: CallbackSigner.header,
            value: CallbackSigner(secrets: [secret] + [configuration.callbackSecretPrevious].compactMap { $0 })
                .signature(body: body, timestamp: Int(now().timeIntervalSince1970))
        )
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else {
                return .fail(
                    name,
                    "\(target) answered a signed ping with HTTP \(response.status.code)",
                    fix: "answer 2xx to every verified callback, ping included (Entitle-Callback-Type: ping)"
                )
            }
            return .pass(name, "\(target) answered a signed ping with \(response.status.code)")
        } catch {
            return .fail(
                name,
                "\(target) did not answer: \(error)",
                fix: "check that your app listens there and Entitle can reach it"
            )
        }
    }

    func store() async -> DoctorCheck {
        let name = "store"
        let location: StoreLocation
        do { location = try StoreLocation(parsing: configuration.storeURL) } catch {
            return .fail(name, "\(error)", fix: "set storeURL to an SQLite path or postgres://…")
        }
        do {
            let pending = try await StoreInspection.pendingMigrations(location)
            guard pending.isEmpty else {
                return .fail(
                    name,
                    "\(location) lacks migrations \(pending.joined(separator: ", "))",
                    fix: "run `entitle migrate` (or start `entitle serve`, which migrates)"
                )
            }
            return .pass(name, "\(location) is reachable and migrated")
        } catch {
            return .fail(
                name,
                "\(location) cannot be reached: \(error)",
                fix: "check storeURL, the server and its credentials"
            )
        }
    }

    /// Google's `Date` header against this machine's clock: JWT assertions and sign-up tokens
    /// carry times, and a clock far off makes them expired or not yet valid.
    func clock() async -> DoctorCheck {
        let name = "clock"
        var request = HTTPClientRequest(url: endpoints.procurement.absoluteString)
        request.method = .GET
        do {
            let sent = now()
            let response = try await httpClient.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard let header = response.headers.first(name: "Date"), let google = Self.httpDate(header) else {
                return .skip(name, "\(endpoints.procurement.host ?? "Google") sent no Date header")
            }
            let skew = Int64((google.timeIntervalSince(sent)).rounded())
            guard abs(skew) <= Self.maxClockSkewSeconds else {
                return .fail(
                    name,
                    "this machine's clock is \(abs(skew)) s \(skew > 0 ? "behind" : "ahead of") Google's",
                    fix: "run NTP (chrony, systemd-timesyncd)"
                )
            }
            return .pass(name, "within \(abs(skew)) s of Google's")
        } catch {
            return .fail(
                name,
                "\(endpoints.procurement.absoluteString) did not answer: \(error)",
                fix: "check the network path to Google's APIs"
            )
        }
    }

    /// An IMF-fixdate (`Tue, 01 Dec 2026 12:00:00 GMT`), the form HTTP servers send.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
