public import Hummingbird
public import NIOCore

/// The request context of `entitle serve`: Hummingbird's basic one and the peer's address, which
/// the throttle of failed credentials keys on (`AuthThrottle`).
public struct EntitleRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
