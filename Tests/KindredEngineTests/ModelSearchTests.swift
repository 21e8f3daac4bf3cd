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

    /// A rung's share must hold 300 validation cases: with eta 3, 2,700 cases keep three rungs
    /// (a ninth is 300), 2,699 and 1,036 two (a ninth is under 300, a third is not), 899 and
    /// 389 one.
    @Test func smallValidationSplitsGetFewerRungs() {
        let options = ModelSearchOptions()
        #expect(
            [2_700, 2_699, 1_036, 900, 899, 389, 0].map { ModelSearch.rungs(cases: $0, options: options) } == [3, 2, 2, 2, 1, 1, 1])
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
        // The plan by fits alone: time would depend on this machine.
        search.timeBudget = nil
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
        // The last rung's two are the best two of the middle rung (each trial names its best
        // trend weight, which may differ from rung to rung: the configuration is the fit).
        let middle = searched.trials.filter { abs($0.share - 1.0 / 3) < 1e-9 }.sorted { ($0.ndcg, $0.recall) > ($1.ndcg, $1.recall) }
        func fitted(_ trial: SearchTrial) -> String {
            "\(trial.algorithm) \(ModelSearch.describe(trial.parameters.filter { $0.key != AlgorithmSpec.trendWeight }))"
        }
        #expect(Set(last.map(fitted)) == Set(middle.prefix(2).map(fitted)))

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

    /// The clock by hand: nothing is refused before one fit is measured; the first trial sets
    /// the unit (2 s on a ninth: 18 s a fit), a configuration not yet tried is estimated at it
    /// (or at its algorithm's latest), one tried at its own rate.
    @Test func theSearchClockByHand() {
        func near(_ value: Double, _ expected: Double) -> Bool { abs(value - expected) < 1e-9 }
        let hybrid = AlgorithmSpec(name: "hybrid"), ease = AlgorithmSpec(name: "ease")
        var clock = SearchClock(started: 100, multiple: 2)
        #expect(clock.budgetSeconds == nil && clock.allows(1_000_000, now: 100))
        clock.record(hybrid, seconds: 2, share: 1.0 / 9)
        #expect(near(clock.budgetSeconds!, 36))
        #expect(near(clock.estimate(ease, share: 1.0 / 3), 6))
        clock.record(ease, seconds: 4, share: 1.0 / 9)
        // EASE's fit does not follow the people: 4 s on a ninth is 4 s on everyone, and another
        // EASE configuration, not yet tried, costs what EASE did; ALS, untried, the unit's share.
        #expect(near(clock.estimate(ease, share: 1), 4) && near(clock.estimate(hybrid, share: 1), 18))
        let stronger = AlgorithmSpec(name: "ease", parameters: ["regularization": 2500])
        #expect(near(clock.estimate(stronger, share: 1.0 / 9), 4) && near(clock.estimate(stronger, share: 1), 4))
        #expect(near(clock.estimate(AlgorithmSpec(name: "als"), share: 1.0 / 3), 6))
        let bpr = AlgorithmSpec(name: "bpr")
        clock.record(bpr, seconds: 1, share: 1.0 / 3)
        #expect(near(clock.estimate(bpr, share: 1), 3))
        #expect(clock.allows(34, now: 102) && !clock.allows(34.5, now: 102))
        #expect(SearchClock(started: 0, multiple: nil).allows(.infinity, now: 5))
        var floored = SearchClock(started: 0, multiple: 2, floor: 30)
        floored.record(hybrid, seconds: 1, share: 1)
        #expect(floored.budgetSeconds == 30)
    }

    /// A budget too small for anything but the first trial (a millionth of a fit): every other
    /// configuration is cut, and the leader, first of every rung, still goes through the middle
    /// rung to its final fit, so a model is chosen; a budget of a million fits cuts nothing.
    @Test func aTimeBudgetCutsTrialsButNotTheLeadersFinalFit() throws {
        let engine = try shop()
        var options = TrainOptions()
        options.relevantKinds = [.purchase, .addToCart, .click]
        var search = ModelSearchOptions()
        search.minimumCasesPerRung = 1
        search.timeBudget = 1e-6
        search.timeBudgetFloor = 0
        options.search = search
        let report = try engine.train(options)
        let tight = try #require(report.search)
        #expect(tight.configurations == 33)
        let shares = tight.trials.map(\.share)
        let expected: [Double] = [1.0 / 9, 1.0 / 3, 1]
        #expect(shares.count == 3 && zip(shares, expected).allSatisfy { abs($0 - $1) < 1e-9 }, "\(shares)")
        #expect(tight.trials.allSatisfy { $0.algorithm == "hybrid" } && report.algorithm == "hybrid")
        #expect(tight.cutForTime == 32)
        #expect(tight.timeBudgetSeconds != nil && tight.method.contains("0.000001 x one fit's time"))

        search.timeBudget = 1e6
        search.budget = 6
        options.search = search
        let roomy = try #require(try engine.train(options).search)
        #expect(roomy.cutForTime == 0 && roomy.trials.count == 18 + 6 + 2)
    }

    /// The budget is two settings the scheduler reads; a command's flags override them; values
    /// out of range are refused naming the setting.
    @Test func theBudgetIsASettingThatFlagsOverride() throws {
        let engine = try shop()
        let defaults = try engine.searchOptions()
        #expect(defaults.budget == 16 && defaults.timeBudget == 24)
        #expect(try engine.setSetting("models.search_budget_fits", to: "6") == "6")
        #expect(try engine.setSetting("models.search_budget_time", to: "0") == "0")
        let set = try engine.searchOptions()
        #expect(set.budget == 6 && set.timeBudget == nil)
        let flagged = try engine.searchOptions(fits: 3, timeMultiple: 10)
        #expect(flagged.budget == 3 && flagged.timeBudget == 10)
        for (key, value) in [
            ("models.search_budget_fits", "0"), ("models.search_budget_time", "-1"), ("models.search_budget_fits", "many"),
        ] {
            #expect {
                try engine.setSetting(key, to: value)
            } throws: { error in
                "\(error)".contains(key)
            }
        }
        let listed = try engine.settings().filter { $0.key.hasPrefix("models.search_budget") }
        #expect(listed.map(\.key) == ["models.search_budget_fits", "models.search_budget_time"])
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
