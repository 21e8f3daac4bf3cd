import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KindredServer
import KindredStore
import KindredTestSupport
import Logging
import NIOCore

@testable import KindredEngine

/// A small generated shop with a trained model, its keys, and the real server on loopback.
struct ServerHarness {
    let directory = TemporaryDirectory()
    let engine: Engine
    let publicKey: String
    let adminKey: String
    /// The shop's token secret, as its backend holds it.
    let tokenSecret: String

    init(train: Bool = true, users: Int = 300, items: Int = 200, events: Int = 20_000) throws {
        var shop = SampleShopGenerator.Configuration()
        shop.users = users
        shop.items = items
        shop.events = events
        _ = try SampleShopFiles.write(SampleShopGenerator(configuration: shop).generate(), to: directory.file("shop"))
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        engine = try DemoUseCase.run(dataDirectory: directory.file("shop"), location: location, log: { _ in }).engine
        if train {
            var options = TrainOptions()
            options.algorithm = AlgorithmSpec(name: "als", parameters: ["factors": 16, "iterations": 5])
            options.validationDays = 0
            _ = try engine.train(options)
        }
        publicKey = try engine.createKey(role: .public, label: "storefront").key
        adminKey = try engine.createKey(role: .admin, label: "tests").key
        tokenSecret = try engine.rotateTokenSecret(graceSeconds: 0).secret
    }

    /// A user token for `userID` as the shop's backend signs it: valid for an hour, or expired
    /// `-lifetime` seconds ago.
    func token(_ userID: String, lifetime: Int64 = 3600, secret: String? = nil) -> String {
        UserToken.sign(userID: userID, expiresAtSeconds: Int64(Date().timeIntervalSince1970) + lifetime, secret: secret ?? tokenSecret)
    }

    var database: KindredDatabase { engine.database }

    /// Runs `body` against the server built exactly as `kindred serve` builds it.
    func withServer<T: Sendable>(
        _ configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (_ client: any TestClientProtocol, _ parts: KindredServerParts) async throws -> T
    ) async throws -> T {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.retrainEvery = nil
        // The test client does not reconnect when the server closes an idle connection, and a
        // test on a loaded machine may pause longer than the 15 s default between requests.
        // Tests of the timeout itself set their own.
        configuration.idleTimeout = 600
        configure(&configuration)
        var logger = Logger(label: "kindred-tests")
        logger.logLevel = .warning
        let (application, parts) = try buildApplication(engine: engine, configuration: configuration, logger: logger)
        return try await application.test(.live) { client in try await body(client, parts) }
    }
}

/// Requests as a storefront or an administrator sends them.
extension TestClientProtocol {
    func call(
        _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, token: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let token { headers[HTTPField.Name("X-Kindred-User-Token")!] = token }
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    /// The `error` member of the envelope.
    var error: [String: Any] { object["error"] as? [String: Any] ?? [:] }
}

/// Waits until `condition` holds (background work: the impression log, a model load).
func eventually(timeout: Double = 10, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
