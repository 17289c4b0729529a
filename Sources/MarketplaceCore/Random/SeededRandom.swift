/// SplitMix64: a small, fast generator whose whole state is its seed, so anything driven by it
/// (fault plans, property tests, retry jitter) replays exactly from the seed it prints.
public struct SeededRandom: RandomNumberGenerator, Codable, Hashable, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `probability` (nil or ≤ 0: never).
    public mutating func chance(_ probability: Double?) -> Bool {
        guard let probability, probability > 0 else { return false }
        return Double(next() >> 11) / Double(UInt64(1) << 53) < probability
    }
}
