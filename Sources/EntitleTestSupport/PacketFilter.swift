import Foundation

/// Drops every packet to and from a loopback port (Debian's `iptables`, as root): a server that
/// neither answers nor refuses, as behind a partition or a firewall that drops. The rules name the
/// port, so nothing else on the machine is touched; `restore` removes them (and is harmless when
/// there are none), so a test that fails half-way can always call it.
public enum PacketFilter {
    public static func drop(port: Int) async throws {
        for rule in rules(port: port) { try await iptables(["-I", "INPUT"] + rule) }
    }

    public static func restore(port: Int) async throws {
        for rule in rules(port: port) {
            // Each rule once; a rule not there (never added, already removed) is no error here.
            while (try? await iptables(["-D", "INPUT"] + rule)) != nil {}
        }
    }

    private static func rules(port: Int) -> [[String]] {
        [
            ["-i", "lo", "-p", "tcp", "--dport", "\(port)", "-j", "DROP"],
            ["-i", "lo", "-p", "tcp", "--sport", "\(port)", "-j", "DROP"],
        ]
    }

    private static func iptables(_ arguments: [String]) async throws {
        let result = try await TestPostgres.run(["iptables", "-w"] + arguments)
        guard result.status == 0 else {
            throw TestPostgres.Unavailable(
                description: "iptables \(arguments.joined(separator: " ")) failed (needs root and Debian's iptables): "
                    + result.output
            )
        }
    }
}
