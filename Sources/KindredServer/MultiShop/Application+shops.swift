import Foundation
import Hummingbird
import Logging

/// What `buildMultiShopApplication` hands back beside the application, for the command and tests.
public struct MultiShopParts: Sendable {
    /// The shops found at start, and whether each is served.
    public let shops: [(name: String, serving: Bool, reason: String?)]
}

/// Builds `kindred serve --shops DIR`: one listening socket in front of every shop database in
/// the folder, each with its own routes, event writer, scheduler and serving lock, exactly as
/// `buildApplication` builds a server of one shop (the dashboard aside). Shops added to the
/// folder are picked up every `scanEvery` without a restart.
public func buildMultiShopApplication(
    folder path: String, configuration: ServerConfiguration, logger: Logger, scanEvery: Duration = .seconds(2),
    onListening: @escaping @Sendable (_ port: Int) -> Void = { _ in }
) throws -> (application: some ApplicationProtocol, parts: MultiShopParts) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ServerRefusal.noShopFolder(path: path)
    }
    let folder = ShopFolder(path: path, configuration: configuration, logger: logger)
    let initial = folder.scan()
    let application = Application(
        responder: MultiShopResponder(folder: folder),
        server: HTTP1ChannelHonouringHTTP10.builder(
            configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kindred"),
        services: [ShopFolderService(folder: folder, initial: initial, scanEvery: scanEvery, logger: logger)],
        onServerRunning: { channel in onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    return (application, MultiShopParts(shops: folder.states()))
}
