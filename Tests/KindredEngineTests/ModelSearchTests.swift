import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The default model's search: its plan and budget worked out by hand, its people nested from
/// rung to rung, and what `kindred train`, the scheduler and `kindred evaluate` do with it.
@Suite struct ModelSearchTests {
    let directory = TemporaryDirectory()

    func shop() throws -> Engine { try SmallShop.engine(in: directory, trained: false) }

    /// Successive halving with eta 3 over three rungs costs c/9 + ⌈c/3⌉/3 + ⌈⌈c/3⌉/3⌉ fits for
    /// c configurations: the four algorithms' spaces (12 + 12 + 4 + 5 = 33) cost 33/9 + 11/3 + 4
    /// = 11.33; a budget of 6 keeps 18 (2 + 2 + 2 = 6; 19 would cost 2.11 + 2.33 + 3).
    @Test func thePlanFitsTheBudgetByHand() {
        let options = ModelSearchOptions()
        #expect(abs(ModelSearch.cost(configurations: 33, options: options) - (33.0 / 9 + 11.0 / 3 + 4)) < 1e-9)
        #expect(ModelSearch.cost(configurations: 18, options: options) == 6)
        let full = ModelSearch.plan(algorithms: options.algorithms, items: 200, options: options)
        #expect(full.configurations.count == 33 && full.leftOut == 0)
        var tight = options
        tight.budget = 6
        let cut = ModelSearch.plan(algorithms: options.algorithms, items: 200, options: tight)
        #expect(cut.configurations.count == 18 && cut.leftOut == 15)
        // Every algorithm keeps its defaults, and they come first.
        #expect(cut.configurations.prefix(4).map(\.name) == ["hybrid", "als", "item-knn-bm25", "ease"])
        #expect(cut.configurations.prefix(4).allSatisfy { $0 == AlgorithmSpec(name: $0.name).normalized })
        // A catalog EASE cannot hold leaves it out of the plan.
        let large = ModelSearch.plan(algorithms: options.algorithms, items: 50_000, options: options)
        #expect(!large.configurations.contains { $0.name == "ease" } && large.configurations.count == 28)
    }

    /// A rung's share must hold 100 validation cases: with eta 3, 900 cases keep three rungs
    /// (a ninth is 100), 899 and 389 two (a ninth is under 100, a third is not), 299 one.
    @Test func smallValidationSplitsGetFewerRungs() {
        let options = ModelSearchOptions()
        #expect([900, 899, 389, 300, 299, 0].map { ModelSearch.rungs(cases: $0, options: options) } == [3, 2, 2, 2, 1, 1])
        var two = options
        two.rungs = 2
        // Two rungs from a third: 33/3 + 11 = 22 fits, over the budget of 16, so the plan is cut.
        #expect(abs(ModelSearch.cost(configurations: 33, options: two) - 22) < 1e-9)
        #expect(ModelSearch.plan(algorithms: options.algorithms, items: 200, options: two).configurations.count < 33)
    }

    /// A ninth of the people are among a third of them; rows of everyone else are empty and
    /// their cases gone; indices are those of the full data.
    @Test func rungsUseNestedSharesOfThePeople() throws {
        var entries: [(row: Int32, column: Int32, value: Float)] = []
        for row in 0..<900 { entries.append((Int32(row), Int32(row % 7), 1)) }
        let train = TrainingSet(interactions: SparseMatrix(rows: 900, columns: 7, entries: entries))
        let cases = (0..<900).map { EvaluationSet.Case(user: $0, relevant: [($0 + 1) % 7], excluded: []) }
        let evaluation = EvaluationSet(train: train, cases: cases)
        let ninth = ModelSearch.subsample(evaluation, share: 1.0 / 9, seed: 7)
        let third = ModelSearch.subsample(evaluation, share: 1.0 / 3, seed: 7)
        let ninthPeople = Set(ninth.cases.map(\.user))
        let thirdPeople = Set(third.cases.map(\.user))
        #expect(ninthPeople.isSubset(of: thirdPeople))
        #expect(
            (70...130).contains(ninthPeople.count) && (250...350).contains(thirdPeople.count), "\(ninthPeople.count) \(thirdPeople.count)")
        #expect(ninth.train.interactions.rows == 900 && ninth.train.interactions.columns == 7)
        for row in 0..<900 { #expect(ninth.train.interactions.rowLength(row) == (ninthPeople.contains(row) ? 1 : 0)) }
        #expect(Set(ModelSearch.subsample(evaluation, share: 1.0 / 9, seed: 8).cases.map(\.user)) != ninthPeople)
    }

    /// Training with no algorithm named searches: the winner is the best of the last rung on
    /// the whole validation split, its metrics are that trial's, and the version records the
    /// search. The scheduler then refits that winner until the search is a day old.
    @Test func trainingSearchesRecordsTheSearchAndTheSchedulerRefitsTheWinner() throws {
        let engine = try shop()
        var options = TrainOptions()
        options.relevantKinds = [.purchase, .addToCart, .click]
        var search = ModelSearchOptions()
        search.budget = 6
        // 140 validation cases: all three rungs only without the minimum per rung.
        search.minimumCasesPerRung = 1
        options.search = search
        let report = try engine.train(options)
        let searched = try #require(report.search)
        #expect(searched.configurations == 18 && searched.leftOut == 15)
        #expect(searched.trials.count == 18 + 6 + 2)
        #expect(abs(searched.fits - 6) < 1e-9)
        let last = searched.trials.filter { $0.share == 1 }
        #expect(last.count == 2)
        let best = last.max { ($0.ndcg, $0.recall) < ($1.ndcg, $1.recall) }!
        #expect(report.algorithm == searched.winner && best.algorithm == searched.winner)
        // The stored validation is scored plainly, as the active model is for the activation rule.
        #expect(report.validation?.users == best.users)
        // The last rung's two are the best two of the middle rung.
        let middle = searched.trials.filter { abs($0.share - 1.0 / 3) < 1e-9 }.sorted { ($0.ndcg, $0.recall) > ($1.ndcg, $1.recall) }
        #expect(Set(last.map { "\($0.algorithm) \($0.parameters)" }) == Set(middle.prefix(2).map { "\($0.algorithm) \($0.parameters)" }))

        let record = try #require(try engine.database.writer.read { db in try ModelRegistry.active(in: db) })
        let metrics = try JSONSerialization.jsonObject(with: Data(record.metrics.utf8)) as! [String: Any]
        #expect(metrics["chosen_by"] as? String == "search")
        #expect(((metrics["search"] as? [String: Any])?["trials"] as? [Any])?.count == 26)
        let searchedMs = (metrics["searched_ms"] as! NSNumber).int64Value
        let winner = try StoredSpec.spec(of: record)
        #expect(SearchSchedule.next(active: record, nowMs: searchedMs + 3_600_000) == .refit(winner, searchedMs: searchedMs))
        #expect(SearchSchedule.next(active: record, nowMs: searchedMs + 24 * 3_600_000) == .search)
        #expect(SearchSchedule.next(active: nil, nowMs: searchedMs) == .search)

        // A refit of the winner keeps the search's time; a model a person named is refitted as is.
        var refit = TrainOptions()
        refit.algorithm = winner
        refit.searchedMs = searchedMs
        refit.relevantKinds = options.relevantKinds
        let again = try engine.train(refit)
        let againRecord = try #require(try engine.database.writer.read { db in try ModelRegistry.record(version: again.version, in: db) })
        #expect(SearchSchedule.next(active: againRecord, nowMs: searchedMs + 3_600_000) == .refit(winner, searchedMs: searchedMs))
        var named = TrainOptions()
        named.algorithm = AlgorithmSpec(name: "item-knn-bm25")
        let namedReport = try engine.train(named)
        let namedRecord = try #require(
            try engine.database.writer.read { db in try ModelRegistry.record(version: namedReport.version, in: db) })
        #expect(
            SearchSchedule.next(active: namedRecord, nowMs: searchedMs + 48 * 3_600_000)
                == .refit(try StoredSpec.spec(of: namedRecord), searchedMs: nil))
    }

    /// `kindred evaluate`'s default row searches on the training period alone and is scored on
    /// the test cases like the others.
    @Test func evaluateShowsTheDefaultRow() throws {
        let engine = try shop()
        var options = EvaluationOptions()
        options.relevantKinds = [.purchase, .addToCart, .click]
        options.algorithms = [AlgorithmSpec(name: "popularity")]
        options.includeDefault = true
        options.search.budget = 4
        let report = try engine.evaluate(options)
        #expect(report.results.map(\.algorithm) == ["default", "popularity"])
        let row = report.results[0]
        let search = try #require(row.search)
        #expect(row.chosen == search.winner && AlgorithmSpec.names.contains(search.winner))
        #expect(row.metrics.users == report.evaluatedUsers)
        #expect(!search.trials.filter { $0.share == 1 }.isEmpty)
        // What the row fitted is the winner's configuration (its record adds the seed, say).
        #expect(search.winnerParameters.allSatisfy { row.parameters[$0.key] == $0.value }, "\(row.parameters)")
    }
}
