import Foundation
import GRDB
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// `kindred ranker train --from impressions`: the ranker learns from the lists the shop showed
/// and what people did with their items, on the small generated shop with a planted taste the
/// model cannot know: everyone clicks the one cheap item of each list.
@Suite(.serialized) struct ImpressionRankerTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    func options(_ source: RankerListSource = .impressions) -> RankerOptions {
        var options = RankerOptions()
        options.source = source
        options.settings.trees = 30
        options.settings.minDataInLeaf = 10
        return options
    }

    /// Item ids of the catalog's cheapest and dearest thirds.
    func priceThirds() throws -> (cheap: [String], dear: [String]) {
        let ids = try engine.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT item_id FROM items WHERE price > 0 AND in_stock = 1 ORDER BY price, item_id")
        }
        return (Array(ids.prefix(ids.count / 3)), Array(ids.suffix(ids.count / 3)))
    }

    /// Shows `people` known people a list of ten: one cheap item among nine dear ones, in a
    /// seeded random place (or the n-th list's `place`, 0-based), an hour ago; each then clicks
    /// the cheap one (now, after the list) unless `clicked` says the n-th list's is not.
    /// `probability` is what the log says the cheap item's place was drawn with; an `exploring`
    /// log says the list explored (what position bias is estimated from).
    @discardableResult
    func showAndClickTheCheapOne(
        people: Int, probability: (Int) -> Double = { _ in 1 }, place: ((Int) -> Int)? = nil, clicked: (Int) -> Bool = { _ in true },
        exploring: Bool = false
    ) throws -> Int {
        let (cheap, dear) = try priceThirds()
        var random = SeededGenerator(seed: 7)
        var records: [ImpressionRecord] = []
        var csv = "user_id,item_id,type,ts,request_id\n"
        let now = ISO8601DateFormatter().string(from: Date())
        var shown = 0
        for number in 1...300 where shown < people {
            let user = String(format: "c%05d", number)
            var (_, record) = try engine.recommendForDisplay(RecommendationRequest(userID: user, k: 10))
            guard record.userPK != nil else { continue }
            let chosen = cheap.randomElement(using: &random)!
            var items = dear.shuffled(using: &random).prefix(9).map { ImpressionRecord.Shown(itemID: $0, score: 1, reason: nil) }
            let p = probability(shown)
            let drawnPlace = Int.random(in: 0...9, using: &random)
            items.insert(
                ImpressionRecord.Shown(itemID: chosen, score: 1, explored: p < 1, probability: p, reason: nil),
                at: place?(shown) ?? drawnPlace)
            record.items = items
            if exploring { record.exploration = #"{"policy":"epsilon_greedy","epsilon":0.5,"first_position":1,"pool":[]}"# }
            record.timestampMs -= 3_600_000
            records.append(record)
            if clicked(shown) { csv += "\(user),\(chosen),click,\(now),\(record.requestID)\n" }
            shown += 1
        }
        try engine.database.writer.write { db in try ImpressionStore.write(records, in: db) }
        let path = directory.write("clicks-\(people).csv", csv)
        _ = try engine.importFile(at: path, request: ImportRequest(kind: .events, fileName: path, format: .csv))
        return shown
    }

    @Test func theRankerLearnsWhatPeopleClickedAndServesIt() throws {
        let shown = try showAndClickTheCheapOne(people: 240)
        let report = try engine.trainRanker(options())
        #expect(report.source == .impressions && report.split == "time")
        #expect(report.shownLists == shown && report.trainQueries + report.validationQueries == shown && report.droppedPeople == 0)
        #expect(report.trainRows == report.trainQueries * 10 && report.weightedRows == 0, "a deterministic log weighs every row 1")
        #expect(report.sourceNote?.contains("\(shown) lists") == true)
        #expect(report.stage?.candidates == 200, "the stage is timed on the model's 200 candidates, as serving runs it")
        // The model's order knows nothing of the taste; the trees learn it from price.
        #expect(report.kept, "\(report.reason)")
        #expect(report.validationNDCGBefore < 0.7 && report.validationNDCGAfter > 0.95, "\(report.reason)")

        // Served: the trees lift cheap items over the model's choices.
        let (cheap, dear) = try priceThirds()
        let person = try SmallShop.person(3, in: engine)
        func top(ranker: String) throws -> (cheap: Int, dear: Int) {
            _ = try engine.setSetting("serving.ranker", to: ranker)
            let items = try engine.recommend(RecommendationRequest(userID: person, k: 10)).items.map(\.itemID)
            return (items.filter(Set(cheap).contains).count, items.filter(Set(dear).contains).count)
        }
        let plain = try top(ranker: "off")
        let ranked = try top(ranker: "on")
        #expect(
            ranked.dear == 0 && ranked.cheap > plain.cheap,
            "top 10: \(plain.cheap) cheap and \(plain.dear) dear by the model, \(ranked.cheap) and \(ranked.dear) re-ranked")
    }

    /// An item an exploring list showed with probability p, when clicked, weighs 1 / p, and
    /// never more than the clip; the rows are told apart in the report.
    @Test func exploredOutcomesWeighTheInverseOfTheirProbability() throws {
        let shown = try showAndClickTheCheapOne(people: 60) { index in index % 3 == 0 ? 0.25 : index % 3 == 1 ? 0.01 : 1 }
        var options = options()
        options.propensityClip = 10
        let built = try engine.rankerDataset(options)
        #expect(built.source == .impressions && built.train.groupCount + built.validation.groupCount == shown)
        let weights = (built.train.weights + built.validation.weights).filter { $0 != 1 }.sorted()
        #expect(weights.count == 40 && weights.prefix(20).allSatisfy { $0 == 4 } && weights.suffix(20).allSatisfy { $0 == 10 })
        #expect(built.weightedRows == 40)
    }

    /// Places are corrected for from exploration's random draws: 120 exploring lists each draw
    /// the cheap item (probability 0.5) into place 1 or place 2 in turn; every draw in place 1
    /// is clicked and every other one in place 2, so place 2 is looked at half as often
    /// (eta = 1). A click in place 1 then weighs 1 / 0.5 = 2, in place 2 1 / (0.5 x 0.5) = 4.
    @Test func placesAreCorrectedForFromTheExploredDraws() throws {
        try showAndClickTheCheapOne(
            people: 120, probability: { _ in 0.5 }, place: { $0 % 2 }, clicked: { $0 % 2 == 0 || $0 % 4 == 1 }, exploring: true)

        var weighing = options()
        weighing.propensityClip = 10
        let built = try engine.rankerDataset(weighing)
        let bias = try #require(built.positionBias)
        #expect(bias.eta == 1 && bias.draws == 120 && bias.outcomes == 90)
        let weights = (built.train.weights + built.validation.weights).filter { $0 != 1 }
        #expect(
            weights.filter { $0 == 2 }.count == 60 && weights.filter { $0 == 4 }.count == 30 && weights.count == 90, "\(weights.sorted())")
        let report = try engine.trainRanker(weighing)
        #expect(report.propensityClip == 10)
        // By default a log of 90 lists is learnt from unweighted: weights' variance needs data.
        let unweighted = try engine.rankerDataset(options())
        #expect(!unweighted.train.isWeighted && !unweighted.validation.isWeighted && unweighted.propensityClip == 1)
        #expect(unweighted.positionBias == bias, "the estimate is made, and reported, either way")
        #expect(
            report.positionBias == bias && report.positionBiasNote?.contains("place 2 looked at 50%") == true,
            "\(report.positionBiasNote ?? "")")
    }

    /// `auto` learns from the log once enough lists had an outcome, from purchases before, and
    /// says which and why; `impressions` without a log refuses with the count it found.
    @Test func autoChoosesTheLogOnceItHoldsEnough() throws {
        let before = try engine.rankerDataset(options(.auto))
        #expect(before.source == .purchases && before.sourceNote?.contains("only 0 lists") == true)
        #expect(throws: DataError.self) { _ = try engine.trainRanker(options(.impressions)) }
        try showAndClickTheCheapOne(people: 50)
        var auto = options(.auto)
        #expect(try engine.rankerDataset(auto).source == .purchases, "50 lists are fewer than the 100 `auto` asks for")
        auto.minimumLoggedLists = 50
        let after = try engine.rankerDataset(auto)
        #expect(after.source == .impressions && after.sourceNote?.contains("50 lists") == true, "\(after.sourceNote ?? "")")
    }

    /// The export of logged lists carries their graded labels and, when exploration weighed
    /// rows, LightGBM weight files beside both data files.
    @Test func theExportOfLoggedListsCarriesLabelsAndWeights() throws {
        try showAndClickTheCheapOne(people: 60) { $0 % 2 == 0 ? 0.5 : 1 }
        let folder = directory.file("lists")
        var weighing = options()
        weighing.propensityClip = 10
        let exported = try engine.exportRanker(weighing, to: folder)
        let weights = try String(contentsOfFile: "\(folder)/train.txt.weight", encoding: .utf8).split(separator: "\n")
        #expect(weights.count == exported.trainRows && weights.contains("2.0"))
        let validationWeights = try String(contentsOfFile: "\(folder)/valid.txt.weight", encoding: .utf8).split(separator: "\n")
        #expect(validationWeights.count == exported.validationRows)
        let labels = try String(contentsOfFile: "\(folder)/train.txt", encoding: .utf8).split(separator: "\n").map { $0.prefix(1) }
        #expect(Set(labels) == ["0", "1"], "clicks grade 1, the rest 0")
        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/manifest.json"))) as! [String: Any]
        #expect(manifest["source"] as? String == "impressions")
    }
}
