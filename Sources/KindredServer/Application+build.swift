import Foundation
import Hummingbird
import KindredEngine
import KindredStore
import Logging
import ServiceLifecycle

/// What `buildApplication` hands back beside the application: the parts tests and the
/// command watch.
public struct KindredServerParts: Sendable {
    public let writer: GroupCommitWriter
}

/// Builds the whole server: routes, keys, CORS, metrics, the group-commit event writer and
/// the retraining scheduler. `kindred serve` and the tests both call this, so that the tests
/// run exactly what ships. Loads the active model before returning, so that the first request
/// is as fast as the rest.
public func buildApplication(
    engine: Engine, configuration: ServerConfiguration, logger: Logger, onListening: @escaping @Sendable (_ port: Int) -> Void = { _ in }
) throws -> (application: some ApplicationProtocol, parts: KindredServerParts) {
    let shop = try buildShopServer(engine: engine, configuration: configuration, logger: logger)
    let application = Application(
        responder: shop.responder,
        server: HTTP1ChannelHonouringHTTP10.builder(
            configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout * 1e9)))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kindred"),
        services: shop.services, onServerRunning: { channel in onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
    return (application, shop.parts)
}

/// One shop's part of a server: its routes, and the services that run beside them (the event
/// writer, retention, bandit updates, segment refresh, the retraining scheduler). A server of
/// one shop runs one; `kindred serve --shops DIR` runs one per file in the folder.
struct ShopServer: Sendable {
    let responder: RouterResponder<KindredRequestContext>
    let services: [any Service]
    let parts: KindredServerParts
}

/// Builds one shop's routes and services: everything `buildApplication` serves but the
/// listening socket.
func buildShopServer(engine: Engine, configuration: ServerConfiguration, logger: Logger) throws -> ShopServer {
    // The key that turns people's ids into pseudonyms must be the owner's alone.
    guard !PseudonymKeyFile.isExposed(at: engine.database.keyPath) else {
        throw ServerRefusal.keyFileExposed(path: engine.database.keyPath)
    }
    // One server per file: a second one would run a second writer and scheduler beside it.
    let servingLock = try ServingLock.acquire(for: engine.database.path)
    for finished in try engine.finishInterruptedImports() {
        logger.notice("finished an interrupted \(finished.kind) import of \(finished.file) (\(finished.counts.imported) rows)")
    }
    let metrics = ServerMetrics()
    let streams = RecommendationStreams()
    // Segments follow filing only while the server updates them at all.
    let segmentRefreshSeconds = try engine.segmentRefreshSeconds() ?? 0
    let filedPeople = segmentRefreshSeconds > 0 ? FiledPeople() : nil
    let writer = GroupCommitWriter(
        database: engine.database, clock: engine.clock,
        limits: .init(events: configuration.maxQueuedEvents, bytes: configuration.maxQueuedBytes),
        onCommit: { seconds in
            metrics.groupCommits.increment()
            metrics.groupCommitSeconds.increment(by: seconds)
        },
        onFiling: { events, seconds, people in
            metrics.eventsFiled.increment(by: Int64(events))
            metrics.filingSeconds.increment(by: seconds)
            streams.filed(people)
            filedPeople?.add(people)
        },
        onError: { logger.error("\($0)") })
    try writer.start()
    if configuration.durableCommits { try engine.database.requireDurableCommits() }
    try engine.startServing(onModelSwap: { version in
        metrics.activeModelVersion.set(Double(version))
        logger.info("serving model version \(version)")
    })
    let lane = TrainingLane(metrics: metrics)

    let router = Router(context: KindredRequestContext.self)
    router.add(middleware: MetricsRecordingMiddleware(metrics: metrics))
    if !configuration.corsOrigins.isEmpty {
        router.add(middleware: AllowedOriginsMiddleware(origins: configuration.corsOrigins))
    }
    router.add(middleware: ErrorEnvelopeMiddleware())

    let operations = OperationRoutes(engine: engine, writer: writer, metrics: metrics)
    operations.addHealth(to: router)
    TrackerRoutes().add(to: router)
    DashboardRoutes(engine: engine, sessions: DashboardSessions(lifetimeSeconds: configuration.dashboardSessionSeconds)).add(to: router)

    // Who may call what (DESIGN.md "Who may speak for whom"): each group names its roles.
    let beacons = router.group("v1").add(middleware: APIKeyMiddleware(engine: engine, allowed: ApiRole.writers, query: .keyAndToken))
    EventRoutes(engine: engine, writer: writer, configuration: configuration, metrics: metrics).add(to: beacons)
    let writes = router.group("v1").add(middleware: APIKeyMiddleware(engine: engine, allowed: ApiRole.writers))
    ConsentRoutes(engine: engine, configuration: configuration).add(to: writes)
    let reads = router.group("v1").add(middleware: APIKeyMiddleware(engine: engine, allowed: ApiRole.readers))
    RecommendationRoutes(engine: engine, writer: writer, metrics: metrics).add(to: reads)
    PageRoutes(engine: engine, writer: writer, metrics: metrics).add(to: reads)
    ExperimentRoutes(engine: engine).add(to: reads)
    SegmentRoutes(engine: engine).addPerson(to: reads)
    PreferenceRoutes(engine: engine, streams: streams, configuration: configuration).add(to: reads)
    // Server-sent events cannot set headers through EventSource: the token may come in the query.
    let streaming = router.group("v1").add(middleware: APIKeyMiddleware(engine: engine, allowed: ApiRole.readers, query: .token))
    RecommendationStreamRoutes(
        engine: engine, writer: writer, streams: streams, metrics: metrics, heartbeat: configuration.streamHeartbeat
    ).add(to: streaming)

    let admin = router.group("v1").add(middleware: APIKeyMiddleware(engine: engine, allowed: [.admin]))
    CatalogRoutes(engine: engine, configuration: configuration).add(to: admin)
    ModelRoutes(engine: engine, lane: lane, configuration: configuration).add(to: admin)
    PeopleRoutes(engine: engine).add(to: admin)
    ExperimentAnalysisRoutes(engine: engine, configuration: configuration).add(to: admin)
    ExperimentAdminRoutes(engine: engine, configuration: configuration).add(to: admin)
    KPIRoutes(engine: engine).add(to: admin)
    BanditRoutes(engine: engine).add(to: admin)
    SegmentRoutes(engine: engine).addReport(to: admin)
    operations.addMetrics(to: router.group().add(middleware: APIKeyMiddleware(engine: engine, allowed: [.admin])))

    var services: [any Service] = [EventWriterService(writer: writer, servingLock: servingLock, logger: logger)]
    services.append(RetentionService(engine: engine, logger: logger))
    services.append(BanditUpdateService(engine: engine, logger: logger))
    if let filedPeople {
        services.append(SegmentRefreshService(engine: engine, filed: filedPeople, logger: logger, every: .seconds(segmentRefreshSeconds)))
    }
    if let interval = configuration.retrainEvery {
        services.append(
            RetrainSchedulerService(engine: engine, lane: lane, interval: interval, threads: configuration.trainThreads, logger: logger))
    }
    return ShopServer(responder: router.buildResponder(), services: services, parts: KindredServerParts(writer: writer))
}

/// Why the server will not start.
public enum ServerRefusal: Error, CustomStringConvertible {
    case keyFileExposed(path: String)
    case noShopFolder(path: String)

    public var description: String {
        switch self {
        case .noShopFolder(let path):
            return "\(path) is not a folder of shops (NAME.sqlite with NAME.sqlite.key beside each)"
        case .keyFileExposed(let path):
            return
                "the pseudonymization key file \(path) may be read by others; refusing to serve until only its owner can (chmod 600 \(path))"
        }
    }
}
