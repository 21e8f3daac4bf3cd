import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 channel with HTTP/1.0 honoured. Requests reach Hummingbird as
/// swift-http-types values, which carry no HTTP version, so an HTTP/1.0 request without
/// `Connection: keep-alive` would keep its connection open after the answer (as HTTP/1.1 does)
/// and an old client or proxy waits for a close that never comes. A handler ahead of the
/// conversion marks such requests `Connection: close`, which Hummingbird honours.
struct HTTP1ChannelHonouringHTTP10: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel

    var responder: HTTPChannelHandler.Responder { inner.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let codec = try channel.pipeline.syncOperations.handler(type: HTTP1ToHTTPServerCodec.self)
            try channel.pipeline.syncOperations.addHandler(HTTP10ConnectionCloseHandler(), position: .before(codec))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }

    /// The HTTP/1 server Kindred runs.
    static func builder(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            HTTP1ChannelHonouringHTTP10(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}

/// Adds `Connection: close` to an HTTP/1.0 request head unless it asks for keep-alive.
final class HTTP10ConnectionCloseHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data), head.version == .http1_0 else {
            context.fireChannelRead(data)
            return
        }
        let asksKeepAlive = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "keep-alive" }
        if !asksKeepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
