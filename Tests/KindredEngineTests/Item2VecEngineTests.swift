import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// item2vec through the engine: sessions read from the database in order, vectors stored with
/// the model and served, a product without behaviour placed by its words, and the next-item
/// evaluation `kindred evaluate --task next-item` runs.
@Suite struct Item2VecEngineTests {
    let directory = TemporaryDirectory()
    let engine: Engine
    static let day: Int64 = 86_400

    /// 120 sessions of three views over 90 days; 30 people, the even ones browse the kitchen
    /// (K0-K4), the odd ones the garden (G0-G4), each session three neighbouring products of
    /// one shelf (K4 to K0 closes the ring). A sixth kitchen product, "KNEW", is listed with no
    /// events at all.
    init() throws {
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        (engine, _) = try Engine.create(at: location)
        var catalog = ["item_id,title,category,tags,price"]
        for n in 0..<5 {
            catalog.append("K\(n),Enamel mug \(n),kitchen,enamel|mug,12")
            catalog.append("G\(n),Steel trowel \(n),garden,steel|trowel,15")
        }
        catalog.append("KNEW,Enamel mug deluxe,kitchen,enamel|mug,14")
        let catalogFile = directory.write("catalog.csv", catalog.joined(separator: "\n") + "\n")
        _ = try engine.importFile(at: catalogFile, request: ImportRequest(kind: .catalog, fileName: catalogFile, format: .csv))
        var lines = ["user_id,item_id,type,ts,session_id"]
        let start: Int64 = 1_790_000_000
        for s in 0..<120 {
            let user = s % 30
            let shelf = user % 2 == 0 ? "K" : "G"
            for step in 0..<3 {
                let ts = start + Int64(s) * Self.day * 3 / 4 + Int64(step) * 60
                lines.append("u\(user),\(shelf)\((s + step) % 5),view,\(ts),s\(s)")
            }
        }
        let events = directory.write("events.csv", lines.joined(separator: "\n") + "\n")
        _ = try engine.importFile(at: events, request: ImportRequest(kind: .events, fileName: events, format: .csv))
    }

    func trainItem2Vec() throws -> TrainReport {
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: "item2vec", parameters: ["factors": 8, "epochs": 30, "subsampling": 0])
        options.relevantKinds = [.view]
        options.validationDays = 0
        return try engine.train(options)
    }

    @Test func vectorsAreStoredForEveryProductAndServedWithoutPeoplesVectors() throws {
        let report = try trainItem2Vec()
        #expect(report.activated)
        let (items, users) = try engine.database.writer.read { db in
            (try ModelRegistry.readItemVectors(version: report.version, in: db), try ModelRegistry.readUserVectors(version: report.version, in: db))
        }
        #expect(items.count == 11 && items.allSatisfy { $0.vector.count == 8 })
        #expect(users.isEmpty, "a person is their history's direction at query time; nothing of them is stored")
        let kitchen = Set((0..<5).map { "K\($0)" } + ["KNEW"])
        let similar = try engine.similarItems(to: "K2", k: 4).items.map(\.itemID)
        #expect(similar.count == 4 && similar.allSatisfy(kitchen.contains), "\(similar)")
        let forYou = try engine.recommend(RecommendationRequest(userID: "u0", k: 3))
        #expect(forYou.personalized)
        #expect(forYou.items.allSatisfy { kitchen.contains($0.itemID) }, "\(forYou.items.map(\.itemID))")
    }

    @Test func aProductWithNoEventsHasNeighboursFromItsWordsAndStaysBehindBehaviourInOthersLists() throws {
        _ = try trainItem2Vec()
        // K2's shelf comes first; the new product, placed by its words, after it.
        let k2 = try engine.similarItems(to: "K2", k: 5).items.map(\.itemID)
        #expect(Set(k2.prefix(4)) == ["K0", "K1", "K3", "K4"] && k2.last == "KNEW", "\(k2)")
        let neighbours = try engine.similarItems(to: "KNEW", k: 5).items.map(\.itemID)
        #expect(Set(neighbours) == Set((0..<5).map { "K\($0)" }), "\(neighbours)")
    }

    @Test func aModelTrainedOnPeoplesWholeHistoriesIsStoredAndServedLikeAnyOther() throws {
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: "item2vec", parameters: ["factors": 8, "epochs": 30, "subsampling": 0, "person_sequences": 1])
        options.validationDays = 0
        let report = try engine.train(options)
        #expect(report.parameters["person_sequences"] == 1)
        let similar = try engine.similarItems(to: "G2", k: 4).items.map(\.itemID)
        #expect(similar.allSatisfy { $0.hasPrefix("G") }, "\(similar)")
    }

    @Test func nextItemEvaluationWalksTheTestSessionsStepByStep() throws {
        var options = EvaluationOptions()
        // Every step stays on its shelf of five: the other four are the whole answer.
        options.k = 4
        options.algorithms = [
            AlgorithmSpec(name: "popularity"),
            AlgorithmSpec(name: "item2vec", parameters: ["factors": 8, "epochs": 30, "subsampling": 0]),
        ]
        let report = try engine.evaluateNextItem(options)
        // The cut is 30 days before the last event (session 119's last view): sessions 80-119
        // are tested, two steps each; sessions 0-79 train, three items each.
        #expect(report.trainSequences == 80 && report.trainTokens == 240)
        #expect(report.testSequences == 40)
        #expect(report.vocabulary == 10)
        #expect(report.results.allSatisfy { $0.metrics.pairs == 80 && $0.metrics.skippedPairs == 0 })
        let popularity = report.results[0].metrics.hitRate
        let item2vec = report.results[1].metrics.hitRate
        // item2vec's four are the rest of the shelf (the new product after them); popularity's
        // are the shop's best sellers from both shelves.
        #expect(item2vec == 1 && popularity < 1, "item2vec \(item2vec), popularity \(popularity)")
    }

    @Test func sessionsComeOutOfTheDatabaseInTimeOrder() throws {
        let data = try TrainingData.load(from: engine.database, includeAnonymousSessions: true, withSessions: true)
        let sequences = data.sequences(weights: EventWeights()) { _ in true }
        #expect(sequences.count == 120 && sequences.tokenCount == 360)
        let byItem = Dictionary(uniqueKeysWithValues: data.catalog.itemPKs.enumerated().map { (Int32($0.offset), $0.element) })
        let ids = Dictionary(uniqueKeysWithValues: zip(data.catalog.itemPKs, data.catalog.itemIDs))
        #expect(sequences[0].map { ids[byItem[$0]!]! } == ["K0", "K1", "K2"])
        #expect(sequences[1].map { ids[byItem[$0]!]! } == ["G1", "G2", "G3"])
        // By person: each of the 30 people's four sessions, one after another.
        let people = data.sequences(.people, weights: EventWeights()) { _ in true }
        #expect(people.count == 30 && people.tokenCount == 360)
        #expect(people[0].map { ids[byItem[$0]!]! } == ["K0", "K1", "K2", "K0", "K1", "K2", "K0", "K1", "K2", "K0", "K1", "K2"])
    }

    @Test func badItem2VecParametersAreRefusedNamingTheParameter() {
        #expect(throws: AlgorithmSpecError.outOfRange(algorithm: "item2vec", parameter: "window", value: 0, expected: "at least 1")) {
            try AlgorithmSpec(name: "item2vec", parameters: ["window": 0]).make()
        }
        #expect(throws: AlgorithmSpecError.self) { try AlgorithmSpec(name: "item2vec", parameters: ["learning_rate": -1]).make() }
        #expect(throws: AlgorithmSpecError.self) { try AlgorithmSpec(name: "item2vec", parameters: ["person_sequences": 2]).make() }
        #expect(AlgorithmSpec(name: "item2vec", parameters: ["person_sequences": 1]).sequenceGrouping == .people)
        #expect(AlgorithmSpec(name: "item2vec").sequenceGrouping == .sessions && AlgorithmSpec(name: "als").sequenceGrouping == nil)
    }
}
