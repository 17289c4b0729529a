extension String {
    /// The longest prefix of whole characters that fits in `limit` UTF-8 bytes. Google cuts
    /// approval and rejection reasons at 256 bytes (contract §3.1, §3.2).
    public func truncated(toUTF8Bytes limit: Int) -> String {
        var result = ""
        var bytes = 0
        for character in self {
            bytes += character.utf8.count
            guard bytes <= limit else { break }
            result.append(character)
        }
        return result
    }
}
