import ArgumentParser
import Foundation
import Hummingbird
import KindredEngine
import KindredServer
import Logging

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API, the event writer and the hourly retraining scheduler.",
        discussion: """
            Every setting comes from the first of: its flag, its environment variable (KINDRED_HOST, KINDRED_PORT, KINDRED_RETRAIN_EVERY, KINDRED_CORS_ORIGINS, KINDRED_MAX_BODY_BYTES, KINDRED_MAX_BATCH_EVENTS, KINDRED_TRAIN_THREADS, KINDRED_LOG_LEVEL, KINDRED_DURABLE_COMMITS), the JSON config file (--config or KINDRED_CONFIG, keys host, port, retrain_every, cors_origins, ...), the default.

            The API needs keys: create a public key for the storefront and an admin key with `kindred keys create --role public|admin`. SIGINT or SIGTERM stops the server gracefully: requests in flight are answered and every accepted event is written before the process exits.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default 8080; 0 picks a free one).")
    var port: Int?

    @Option(
        help: ArgumentHelp("Interval between retraining runs, e.g. 1h, 30m; 0 or off turns it off (default 1h).", valueName: "duration"))
    var retrainEvery: String?

    @Option(help: ArgumentHelp("Browser origins allowed to call the API, comma-separated; * for any.", valueName: "origins"))
    var corsOrigins: String?

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String?

    @Option(help: ArgumentHelp("A JSON config file (default: $KINDRED_CONFIG if set).", valueName: "path"))
    var config: String?

    @Flag(help: "Make every commit wait for the disk, so that acknowledged events survive a power cut too (slower).")
    var durableCommits = false

    @Option(
        help: ArgumentHelp(
            "Serve every shop in a folder (NAME.sqlite with NAME.sqlite.key beside it) under /shops/NAME/, or by its API key; new files are picked up without a restart.",
            valueName: "dir"))
    var shops: String?

    func validate() throws {
        if shops != nil, global.db != nil { throw ValidationError("--shops serves a folder of databases; leave out --db") }
        _ = try resolvedConfiguration()
    }

    func resolvedConfiguration() throws -> ServerConfiguration {
        var flags: [ServerConfiguration.Key: String] = [:]
        flags[.host] = host
        flags[.port] = port.map(String.init)
        flags[.retrainEvery] = retrainEvery
        flags[.corsOrigins] = corsOrigins
        flags[.logLevel] = logLevel
        if durableCommits { flags[.durableCommits] = "true" }
        let environment = ProcessInfo.processInfo.environment
        var file: (path: String, data: Data)?
        if let path = config ?? environment["KINDRED_CONFIG"] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the config file \(path)")
            }
            file = (path, data)
        }
        do {
            return try ServerConfiguration.resolve(flags: flags, environment: environment, configFile: file)
        } catch let invalid as ServerConfiguration.Invalid {
            throw ValidationError(invalid.description)
        }
    }

    func run() throws {
        let configuration = try resolvedConfiguration()
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "kindred")
        if let shops {
            try serveShops(in: shops, configuration: configuration, logger: logger)
            return
        }
        let engine = try Engine.open(at: global.location, actor: "server")
        let (application, _) = try buildApplication(
            engine: engine, configuration: configuration, logger: logger,
            onListening: { port in
                let retrain = configuration.retrainEvery.map { "every \(Int($0)) s" } ?? "off"
                let line =
                    "kindred listening on http://\(configuration.host):\(port) (database \(engine.database.path), serving model \(engine.servingVersion.map(String.init) ?? "none"), retraining \(retrain))\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            })
        try Self.runUntilStopped(application)
    }

    private func serveShops(in folder: String, configuration: ServerConfiguration, logger: Logger) throws {
        let (application, parts) = try buildMultiShopApplication(
            folder: folder, configuration: configuration, logger: logger,
            onListening: { port in
                let line = "kindred listening on http://\(configuration.host):\(port) (shops in \(folder), each under /shops/NAME/)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            })
        for shop in parts.shops {
            print(shop.serving ? "shop \(shop.name): serving" : "shop \(shop.name): unavailable (\(shop.reason ?? ""))")
        }
        try Self.runUntilStopped(application)
    }

    private static func runUntilStopped(_ application: some ApplicationProtocol) throws {
        let done = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Task {
            do {
                try await application.runService()
            } catch {
                failure.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = failure.error { throw error }
        print("kindred stopped")
    }
}

/// Carries an error out of the server's task.
private final class FailureBox: @unchecked Sendable {
    var error: (any Error)?
}
