/// The limit on messages in hand for continuous pulling: a pull loop reserves room for a batch
/// before it pulls, gives back what the pull did not fill, and each message gives its place back
/// when it is done. So a loop pulls again as soon as a batch's worth of messages is finished,
/// whichever they were, instead of waiting for the slowest of its own batch, and never more than
/// `capacity` messages are leased at once. Waiters are served in order.
actor PullFlowControl {
    private var free: Int
    private var waiting: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(capacity: Int) { free = max(1, capacity) }

    /// Waits until `count` places are free and takes them.
    func reserve(_ count: Int) async {
        guard !waiting.isEmpty || free < count else {
            free -= count
            return
        }
        await withCheckedContinuation { waiting.append((count, $0)) }
    }

    func release(_ count: Int) {
        free += count
        while let first = waiting.first, first.count <= free {
            free -= first.count
            waiting.removeFirst()
            first.continuation.resume()
        }
    }
}
