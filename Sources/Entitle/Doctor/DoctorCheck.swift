/// One line of `entitle doctor`: what was checked, how it came out, and on a failure what to do.
public struct DoctorCheck: Codable, Hashable, Sendable {
    public enum Status: String, Codable, Sendable {
        case pass, fail
        /// Not applicable to this configuration, or waiting on a check that failed.
        case skip
    }

    public var name: String
    public var status: Status
    public var detail: String
    /// What to do about a failure.
    public var fix: String?

    public init(_ name: String, _ status: Status, _ detail: String, fix: String? = nil) {
        self.name = name
        self.status = status
        self.detail = detail
        self.fix = fix
    }

    static func pass(_ name: String, _ detail: String) -> DoctorCheck { DoctorCheck(name, .pass, detail) }
    static func fail(_ name: String, _ detail: String, fix: String) -> DoctorCheck {
        DoctorCheck(name, .fail, detail, fix: fix)
    }
    static func skip(_ name: String, _ detail: String) -> DoctorCheck { DoctorCheck(name, .skip, detail) }

    /// `✔ name: detail`, `✘ name: detail` with the fix indented below, `– name: detail`.
    public var line: String {
        switch status {
        case .pass: "✔ \(name): \(detail)"
        case .skip: "– \(name): \(detail)"
        case .fail: "✘ \(name): \(detail)" + (fix.map { "\n    → \($0)" } ?? "")
        }
    }
}
