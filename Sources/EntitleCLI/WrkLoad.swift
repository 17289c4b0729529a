import Foundation

/// Load from `wrk` (C, one event loop per thread) for `bench usage-intake`: on a 2-core machine a
/// client written in Swift spends about as much CPU per request as the server it measures, which
/// then measures the client. The Lua script writes each request (new idempotency keys, the
/// entitlements in turn) and counts the records answered `accepted`; a refusal is reported with
/// its status and the start of its body.
struct WrkLoad {
    struct Result {
        var requests: Int
        var accepted: Int
        var refused: Int
        var firstRefusal: String
        /// Seconds the load ran.
        var elapsed: Double
        /// Per request, milliseconds.
        var p50: Double
        var p99: Double
        var max: Double
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    static var isInstalled: Bool { executable != nil }

    static var executable: String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/wrk" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    var site: String
    var key: String
    var ids: [String]
    var batch: Int
    var connections: Int
    var seconds: Int
    var directory: URL

    func run() throws -> Result {
        guard let wrk = Self.executable else { throw Failed(description: "wrk is not installed") }
        let script = directory.appendingPathComponent("intake-\(batch).lua")
        try Data(lua.utf8).write(to: script)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = [
            "-t", "2", "-c", String(connections), "-d", "\(seconds)s", "--timeout", "60s", "-s", script.path,
            site + "/v1/usage",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("RESULT ") })
        else { throw Failed(description: "wrk failed (\(process.terminationStatus)): \(text.suffix(500))") }
        let fields = line.split(separator: " ", maxSplits: 8).dropFirst().map(String.init)
        let numbers = fields.prefix(7).map { Double($0) ?? 0 }
        return Result(
            requests: Int(numbers[0]),
            accepted: Int(numbers[1]),
            refused: Int(numbers[2]),
            firstRefusal: fields.count > 7 ? fields[7] : "",
            elapsed: numbers[3] / 1e6,
            p50: numbers[4] / 1000,
            p99: numbers[5] / 1000,
            max: numbers[6] / 1000
        )
    }

    /// Records of entitlements `ids` in turn, quantity 1…batch, keys `<prefix>-<thread>-<n>`.
    private var lua: String {
        let prefix = "\(batch)-\(UUID().uuidString.prefix(8))"
        return """
            local ids = {\(ids.map { "\"\($0)\"" }.joined(separator: ","))}
            local batch = \(batch)
            local threads = {}
            counter, accepted, refused, refusal = 0, 0, 0, ""

            function setup(thread)
              thread:set("number", #threads)
              table.insert(threads, thread)
            end

            function init(args)
              wrk.method = "POST"
              wrk.headers["Content-Type"] = "application/json"
              wrk.headers["Authorization"] = "Bearer \(key)"
            end

            function request()
              local records = {}
              for i = 1, batch do
                counter = counter + 1
                records[i] = string.format(
                  '{"entitlementId":"%s","metric":"requests","quantity":%d,"idempotencyKey":"\(prefix)-%d-%d"}',
                  ids[(counter * 7 + number) % #ids + 1], i, number, counter)
              end
              local body = records[1]
              if batch > 1 then body = '{"records":[' .. table.concat(records, ",") .. ']}' end
              return wrk.format(nil, nil, nil, body)
            end

            function response(status, headers, body)
              if status == 202 then
                local _, n = string.gsub(body, '"status":"accepted"', "")
                accepted = accepted + n
              else
                refused = refused + 1
                if refusal == "" then refusal = status .. ":" .. string.gsub(string.sub(body, 1, 200), "%s", "_") end
              end
            end

            function done(summary, latency, requests)
              local a, r, first = 0, 0, ""
              for _, thread in ipairs(threads) do
                a = a + thread:get("accepted")
                r = r + thread:get("refused")
                if first == "" then first = thread:get("refusal") end
              end
              io.write(string.format("RESULT %d %d %d %d %d %d %d %s\\n", summary.requests, a, r, summary.duration,
                latency:percentile(50), latency:percentile(99), latency.max, first))
            end
            """
    }
}
