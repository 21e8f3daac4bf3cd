import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Neural collaborative filtering through the engine: the network stored with its version
/// (people as rows that erasure removes, the layers as one artifact), served to known people
/// and folded in for people it has not seen, and refused when what is stored does not fit.
@Suite struct NeuralCFEngineTests {
    let directory = TemporaryDirectory()
    let engine: Engine
    static let day: Int64 = 86_400
    static let start: Int64 = 1_790_000_000
    static let kitchen = Set((0..<5).map { "K\($0)" })

    /// 30 people over 90 days: the even ones view kitchen products (K0-K4), the odd ones garden
    /// products (G0-G4), four visits each, every visit the same three neighbours on a ring
    /// (person n: products n mod 5 to n mod 5 + 2, so K4, K0 and K1 are neighbours).
    init() throws {
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        (engine, _) = try Engine.create(at: location)
        var catalog = ["item_id,title,category,tags,price"]
        for n in 0..<5 {
            catalog.append("K\(n),Enamel mug \(n),kitchen,enamel|mug,12")
            catalog.append("G\(n),Steel trowel \(n),garden,steel|trowel,15")
        }
        let catalogFile = directory.write("catalog.csv", catalog.joined(separator: "\n") + "\n")
        _ = try engine.importFile(at: catalogFile, request: ImportRequest(kind: .catalog, fileName: catalogFile, format: .csv))
        var lines = ["user_id,item_id,type,ts,session_id"]
        for s in 0..<120 {
            let user = s % 30
            let shelf = user % 2 == 0 ? "K" : "G"
            for step in 0..<3 {
                lines.append("u\(user),\(shelf)\((s + step) % 5),view,\(Self.start + Int64(s) * Self.day * 3 / 4 + Int64(step) * 60),s\(s)")
            }
        }
        try importEvents(lines)
    }

    func importEvents(_ lines: [String]) throws {
        let events = directory.write("events-\(UUID().uuidString).csv", lines.joined(separator: "\n") + "\n")
        _ = try engine.importFile(at: events, request: ImportRequest(kind: .events, fileName: events, format: .csv))
    }

    func trainNetwork() throws -> TrainReport {
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: "ncf", parameters: ["factors": 4])
        options.relevantKinds = [.view]
        options.validationDays = 0
        // One thread: on two, how their updates interleave changes the network from run to run.
        options.threads = 1
        return try engine.train(options)
    }

    @Test func theNetworkIsStoredWithItsVersionAndServesEachPersonTheirShelf() throws {
        let report = try trainNetwork()
        #expect(report.activated && report.algorithm == "ncf")
        let shape = NeuralCFShape(factors: 4, layers: 2)
        let (items, users, dense) = try engine.database.writer.read { db in
            (
                try ModelRegistry.readItemVectors(version: report.version, in: db),
                try ModelRegistry.readUserVectors(version: report.version, in: db),
                try ModelRegistry.readArtifact(version: report.version, name: "ncf_dense", in: db)
            )
        }
        #expect(items.count == 10 && items.allSatisfy { $0.vector.count == shape.rowLength })
        #expect(users.count == 30 && users.allSatisfy { $0.vector.count == shape.rowLength })
        #expect(dense?.count == shape.denseCount * 4)
        let forYou = try engine.recommend(RecommendationRequest(userID: "u0", k: 3))
        #expect(forYou.personalized)
        #expect(forYou.items.allSatisfy { Self.kitchen.contains($0.itemID) }, "\(forYou.items.map(\.itemID))")
        let similar = try engine.similarItems(to: "G2", k: 3).items.map(\.itemID)
        #expect(similar.count == 3 && similar.allSatisfy { $0.hasPrefix("G") }, "\(similar)")
    }

    /// Someone who arrives after training has no row; their views of K0 and K1 are folded in:
    /// they are first shown what the people who viewed both also viewed, K2 or K4, and another
    /// kitchen product second. (Over 30 seeds every list led with K2 or K4 and 29 had kitchen
    /// second; a third place is a garden product in 6, so this network on so little data does
    /// not hold the whole shelf above the other, and the test does not ask it to.)
    @Test func aPersonTheNetworkHasNotSeenIsFoldedInFromTheirViews() throws {
        _ = try trainNetwork()
        let later = Self.start + 100 * Self.day
        try importEvents(["user_id,item_id,type,ts,session_id", "newcomer,K0,view,\(later),n1", "newcomer,K1,view,\(later + 60),n1"])
        var request = RecommendationRequest(userID: "newcomer", k: 3)
        request.excludeSeen = true
        let list = try engine.recommend(request)
        #expect(list.personalized)
        let shown = list.items.map(\.itemID)
        #expect(["K2", "K4"].contains(shown.first) && shown.prefix(2).allSatisfy { Self.kitchen.contains($0) }, "\(shown)")
    }

    @Test func forgettingAPersonRemovesTheirRow() throws {
        let report = try trainNetwork()
        let rows = { try self.engine.database.writer.read { try ModelRegistry.readUserVectors(version: report.version, in: $0).count } }
        #expect(try rows() == 30)
        #expect(try engine.forget(userID: "u3").found)
        #expect(try rows() == 29)
        #expect(try engine.recommend(RecommendationRequest(userID: "u0", k: 3)).personalized)
    }

    @Test func storedLayersThatDoNotFitTheShapeAreRefusedByName() throws {
        let report = try trainNetwork()
        try engine.database.writer.write { db in
            try db.execute(
                sql: "UPDATE model_artifacts SET data = substr(data, 1, 40) WHERE version = ? AND name = 'ncf_dense'",
                arguments: [report.version])
        }
        let record = try #require(try engine.models().first)
        let itemPKs = try engine.database.writer.read { db in
            try ModelRegistry.readItemVectors(version: report.version, in: db).map(\.itemPK)
        }
        #expect {
            try engine.database.writer.read { db in
                _ = try ModelCodec.load(
                    algorithm: "ncf", parameters: ["factors": 4, "layers": 2], version: record.version, itemPKs: itemPKs,
                    popularity: [], trending: [], in: db)
            }
        } throws: { error in
            "\(error)".contains("ncf_dense") && "\(error)".contains("holds 10 network parameters")
        }
    }

    @Test func parametersOutsideTheirRangeAreRefusedWithTheRange() {
        #expect(throws: AlgorithmSpecError.outOfRange(algorithm: "ncf", parameter: "layers", value: 0, expected: "from 1 to 4")) {
            try AlgorithmSpec(name: "ncf", parameters: ["layers": 0]).make()
        }
        #expect(throws: AlgorithmSpecError.outOfRange(algorithm: "ncf", parameter: "learning_rate", value: 0, expected: "above 0")) {
            try AlgorithmSpec(name: "ncf", parameters: ["learning_rate": 0]).make()
        }
        #expect(throws: AlgorithmSpecError.self) { try AlgorithmSpec(name: "ncf", parameters: ["dropout": 0.5]).make() }
        #expect((try? AlgorithmSpec(name: "ncf").make()) is NeuralCFAlgorithm)
    }
}
