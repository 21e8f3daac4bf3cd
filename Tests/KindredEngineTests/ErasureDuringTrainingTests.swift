import Foundation
import GRDB
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// A person erased while a model trains stays erased, and the training still succeeds.
@Suite struct ErasureDuringTrainingTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        var configuration = SampleShopGenerator.Configuration()
        configuration.users = 200
        configuration.items = 120
        configuration.events = 10_000
        _ = try SampleShopFiles.write(SampleShopGenerator(configuration: configuration).generate(), to: directory.file("shop"))
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        engine = try DemoUseCase.run(dataDirectory: directory.file("shop"), location: location, log: { _ in }).engine
    }

    @Test(arguments: ["als", "hybrid"])
    func anErasureWhileTrainingLeavesThePersonOutAndANewcomerWithTheirKeyGetsNoVector(algorithm: String) throws {
        let database = engine.database
        // The person with the largest key: SQLite gives that key to the next new profile.
        let (lastPK, lastPseudonym) = try database.writer.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT user_pk, pseudonym FROM users ORDER BY user_pk DESC LIMIT 1")!
            return (row[0] as Int64, row[1] as String)
        }
        let lastID = (1...200).map { String(format: "c%05d", $0) }.first { database.pseudonymizer.pseudonym(of: $0) == lastPseudonym }
        let erasedID = try #require(lastID, "the sample shop's ids are c00001...")
        let other = "c00001"
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: algorithm, parameters: ["factors": 8, "iterations": 3])
        options.validationDays = 0
        var erased = false
        let report = try engine.train(options) { step in
            // Between reading the events and writing the weights, as DELETE /v1/users/{id} can.
            guard step.hasPrefix("fitting"), !erased else { return }
            erased = true
            _ = try? engine.forget(userID: erasedID)
            _ = try? engine.forget(userID: other)
            try? database.writer.write { db in
                try db.execute(sql: "INSERT INTO users (pseudonym, created_ms, updated_ms) VALUES ('a newcomer', 0, 0)")
            }
        }
        #expect(erased)
        #expect(report.activated)
        let (vectors, newcomerPK, orphans, erasedRows) = try database.writer.read { db in
            (
                try Int64.fetchAll(db, sql: "SELECT user_pk FROM model_user_vectors WHERE version = ?", arguments: [report.version]),
                try Int64.fetchOne(db, sql: "SELECT user_pk FROM users WHERE pseudonym = 'a newcomer'")!,
                try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").count,
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM users WHERE pseudonym IN (?, ?)",
                    arguments: [lastPseudonym, database.pseudonymizer.pseudonym(of: other)])!
            )
        }
        #expect(newcomerPK == lastPK, "the test needs the key to be reused")
        #expect(!vectors.contains(lastPK), "the newcomer holding the erased person's key got their vector")
        #expect(erasedRows == 0)
        #expect(orphans == 0)
        #expect(vectors.count > 150, "everyone else has a vector")
        // Serving the new version works, and the erased person gets the non-personalized ranking.
        let response = try engine.recommend(RecommendationRequest(userID: erasedID, k: 5))
        #expect(!response.personalized)
    }
}
