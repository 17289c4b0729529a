import Foundation

/// This process's name among replicas: host, process id and a random part (a restarted process
/// is a new replica; its predecessor's leases and claims run out).
public enum ReplicaName {
    public static let current: String = {
        let host = ProcessInfo.processInfo.hostName
        let random = UUID().uuidString.prefix(8).lowercased()
        return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(random)"
    }()
}
