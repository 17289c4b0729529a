import AsyncHTTPClient
import Logging
import MarketplaceCore
import NIOCore
import NIOHTTP1

/// One HTTP answer, read whole.
struct HTTPExchange: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// Runs attempts of one call under a `RetryPolicy`: transient statuses and transport failures
/// are retried (as `safety` allows) after the policy's delay; anything else is handed back.
enum RetryLoop {
    /// Largest answer read by default; Procurement list pages are far below it.
    static let maxResponseBytes = 32 * 1024 * 1024

    static func run(
        policy: RetryPolicy,
        safety: RetrySafety,
        logger: Logger,
        what: @autoclosure () -> String,
        attempt: () async throws -> HTTPExchange
    ) async throws -> HTTPExchange {
        let start = ContinuousClock.now
        var number = 0
        while true {
            number += 1
            let elapsed = ContinuousClock.now - start
            do {
                let exchange = try await attempt()
                guard safety.retries(status: exchange.status) else { return exchange }
                let retryAfter = RetryPolicy.retryAfter(exchange.headers.first(name: "Retry-After"))
                guard let wait = policy.delay(afterAttempt: number, elapsed: elapsed, retryAfter: retryAfter) else {
                    return exchange
                }
                logger.debug(
                    "retrying",
                    metadata: [
                        "call": "\(what())", "status": "\(exchange.status)", "attempt": "\(number)", "wait": "\(wait)",
                    ]
                )
                try await Task.sleep(for: wait)
            } catch let error as CancellationError {
                throw error
            } catch let error as GoogleTransportError {
                // An answer too large comes back the same on every attempt.
                throw error
            } catch {
                guard safety.retries(transportError: error) else { throw GoogleTransportError.outcomeUnknown(error) }
                guard let wait = policy.delay(afterAttempt: number, elapsed: elapsed) else { throw error }
                logger.debug(
                    "retrying",
                    metadata: ["call": "\(what())", "error": "\(error)", "attempt": "\(number)", "wait": "\(wait)"]
                )
                try await Task.sleep(for: wait)
            }
        }
    }

    /// Sends a call and reads the whole answer at once with AsyncHTTPClient's future API: the
    /// answer reaches the waiting task in one hop, where the streaming API resumes it for the
    /// head and again for the body (thread hand-offs were a large share of the CPU per
    /// notification).
    static func exchange(
        _ client: HTTPClient,
        _ request: HTTPClient.Request,
        timeout: Duration,
        maxBytes: Int = maxResponseBytes
    ) async throws -> HTTPExchange {
        let task = client.execute(
            request: request,
            delegate: ResponseAccumulator(request: request, maxBodySize: maxBytes),
            deadline: .now() + .nanoseconds(Int64(timeout.seconds * 1e9))
        )
        do {
            let response = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
            return HTTPExchange(
                status: Int(response.status.code),
                headers: response.headers,
                body: response.body.map { Array($0.readableBytesView) } ?? []
            )
        } catch let error as HTTPClientError where error == .cancelled && Task.isCancelled {
            throw CancellationError()
        } catch is ResponseAccumulator.ResponseTooBigError {
            throw GoogleTransportError.responseTooLarge(limit: maxBytes)
        }
    }
}
