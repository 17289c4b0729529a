/// The items of a paged Google list, fetched a page at a time as they are consumed: each page's
/// `nextPageToken` is passed back as `pageToken` until it comes back absent or empty
/// (contract §3.3).
public struct GooglePages<Element: Sendable>: AsyncSequence, Sendable {
    public typealias Fetch = @Sendable (_ pageToken: String?) async throws -> (items: [Element], nextPageToken: String?)
    private let fetch: Fetch

    public init(fetch: @escaping Fetch) {
        self.fetch = fetch
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let fetch: Fetch
        var buffer: [Element] = []
        var index = 0
        var nextToken: String?
        var finished = false

        public mutating func next() async throws -> Element? {
            while index == buffer.count {
                guard !finished else { return nil }
                let page = try await fetch(nextToken)
                buffer = page.items
                index = 0
                nextToken = page.nextPageToken
                finished = (nextToken ?? "").isEmpty
            }
            defer { index += 1 }
            return buffer[index]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fetch: fetch)
    }

    /// Every item, every page read.
    public func collect() async throws -> [Element] {
        var all: [Element] = []
        for try await item in self { all.append(item) }
        return all
    }
}
