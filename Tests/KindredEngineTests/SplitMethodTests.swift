import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The three validation protocols, forced and chosen from the data, on two tiny shops whose
/// answers can be worked out by hand (`QuietRecentShop`).
@Suite struct SplitMethodTests {
    let directory = TemporaryDirectory()

    func shop(sameTime: Bool = false) throws -> Engine { try QuietRecentShop.engine(in: directory, sameTime: sameTime) }

    func options(_ split: SplitMethod? = nil, minimum: Int = 30, seed: UInt64 = 42) -> EvaluationOptions {
        var options = EvaluationOptions()
        options.split = split
        options.minimumEvaluated = minimum
        options.seed = seed
        options.relevantKinds = [.purchase]
        options.algorithms = [AlgorithmSpec(name: "popularity"), AlgorithmSpec(name: "item-knn-cosine")]
        return options
    }

    /// Four items each: a fifth of 4, rounded, is 1 held out per person, never trained on, and
    /// the other three are trained on. The same seed holds out the same items.
    @Test func randomHoldoutHoldsOutAFifthOfEachPersonsItemsWhole() throws {
        let engine = try shop()
        let data = try TrainingData.load(from: engine.database, includeAnonymousSessions: false)
        let split = try #require(TimeSplit.randomHoldout(data, options: options(.random)))
        #expect(split.method == "random-holdout")
        #expect(split.evaluation.cases.count == 20)
        for testCase in split.evaluation.cases {
            #expect(testCase.relevant.count == 1)
            let trained = Set(split.evaluation.train.interactions.row(testCase.user).columns.map(Int.init))
            #expect(trained.isDisjoint(with: testCase.relevant))
            // Three purchases, plus the view of A unless A is the held-out item or among them.
            #expect(trained.count >= 3)
            #expect(testCase.excluded == Set(trained.map(Int32.init)))
        }
        #expect(split.heldPairs.count == 20)
        let again = try #require(TimeSplit.randomHoldout(data, options: options(.random)))
        #expect(again.evaluation.cases.map(\.relevant) == split.evaluation.cases.map(\.relevant))
        let reseeded = (1...5).compactMap { TimeSplit.randomHoldout(data, options: options(.random, seed: $0)) }
        #expect(reseeded.contains { $0.evaluation.cases.map(\.relevant) != split.evaluation.cases.map(\.relevant) })
        // The events it trains on are exactly those `trains(on:)` says, as an export marks them.
        for index in 0..<data.log.count where split.trains(on: index, of: data) {
            let user = Int(data.log.users[index])
            #expect(split.evaluation.train.interactions.row(user).columns.contains(data.log.items[index]))
        }
    }

    /// Chosen from the data: the time split evaluates no one, leave-last-out 20 and random 20;
    /// with the minimum at 30 none is enough and the first with the most (leave-last-out) is
    /// taken; with the minimum at 10 leave-last-out is enough and random is not tried.
    @Test func theChoiceTakesTheFirstMethodThatEvaluatesEnoughAndSaysWhatEachFound() throws {
        let engine = try shop()
        let report = try engine.evaluate(options())
        #expect(report.split == "leave-last-out" && report.evaluatedUsers == 20)
        #expect(
            report.splitNote
                == "the last 30 days evaluate 0 people (with earlier history and a purchase there); leaving each person's last purchase out evaluates 20 people; holding out a random fifth of each person's purchase items evaluates 20 people; fewer than 30 is too few; evaluated by leave-last-out"
        )
        let enough = try engine.evaluate(options(minimum: 10))
        #expect(enough.split == "leave-last-out")
        #expect(enough.splitNote?.contains("random") == false, "\(enough.splitNote ?? "")")
        let forced = try engine.evaluate(options(.random))
        #expect(forced.split == "random-holdout" && forced.splitNote == nil && forced.evaluatedUsers == 20)
        // Forced, the time split is taken even though it evaluates no one, and says so.
        #expect {
            try engine.evaluate(options(.time))
        } throws: { error in
            String(describing: error).hasPrefix("\(engine.database.path): nothing to evaluate")
        }
    }

    /// A log whose events share one timestamp has no "last days" and no "last event": only the
    /// random holdout can evaluate it, and the choice finds it.
    @Test func aLogWithoutMeaningfulTimesIsEvaluatedByRandomHoldout() throws {
        let engine = try shop(sameTime: true)
        let report = try engine.evaluate(options())
        #expect(report.split == "random-holdout")
        #expect(report.evaluatedUsers == 20)
        #expect(report.splitNote?.contains("leaving each person's last purchase out evaluates 0 people") == true)
        #expect(report.results.contains { $0.metrics.recall > 0 })
    }

    /// Tuning carves its split from the test split's training part: no test case, and no event
    /// held out for one, reaches the tuning split, whatever the method.
    @Test(arguments: [SplitMethod.last, .random])
    func theTuningSplitNeverSeesTheTestCases(method: SplitMethod) throws {
        let engine = try shop()
        let data = try TrainingData.load(from: engine.database, includeAnonymousSessions: false)
        let outer = try #require(TimeSplit.evaluable(data, options: options(method)))
        let inner = try #require(TimeSplit.evaluable(data, options: options(method), within: outer))
        #expect(!inner.evaluation.cases.isEmpty)
        let testItems = Dictionary(uniqueKeysWithValues: outer.evaluation.cases.map { ($0.user, $0.relevant) })
        for testCase in inner.evaluation.cases {
            let held = testItems[testCase.user] ?? []
            #expect(testCase.relevant.isDisjoint(with: held))
            #expect(Set(inner.evaluation.train.interactions.row(testCase.user).columns.map(Int.init)).isDisjoint(with: held))
        }
        for index in 0..<data.log.count where inner.trains(on: index, of: data) { #expect(outer.trains(on: index, of: data)) }
    }

    /// `kindred train` validates on the split it is told to, and records it.
    @Test func trainingValidatesOnTheForcedSplitAndRecordsIt() throws {
        let engine = try shop()
        var train = TrainOptions()
        train.algorithm = AlgorithmSpec(name: "item-knn-cosine")
        train.relevantKinds = [.purchase]
        train.split = .random
        let report = try engine.train(train)
        #expect(report.validation?.users == 20)
        let metrics = try engine.database.writer.read { db in
            try String.fetchAllForTests(db, "SELECT metrics FROM model_versions WHERE version = \(report.version)")[0]
        }
        #expect(metrics.contains(#""split":"random-holdout""#), "\(metrics)")
    }
}
