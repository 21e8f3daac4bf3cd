import Foundation
import GRDB
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// When the last days hold no one to evaluate, evaluation says so and falls back to leaving
/// each person's last relevant event out, rather than printing a table of zeros (the choice
/// among all three methods: SplitMethodTests).
@Suite struct EvaluationFallbackTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try QuietRecentShop.engine(in: directory)
    }

    @Test func evaluationFallsBackToLeaveLastOutAndSaysSo() throws {
        var options = EvaluationOptions()
        options.algorithms = [AlgorithmSpec(name: "popularity"), AlgorithmSpec(name: "item-knn-cosine")]
        let report = try engine.evaluate(options)
        #expect(report.split == "leave-last-out")
        #expect(report.splitNote?.hasPrefix("the last 30 days evaluate 0 people") == true, "\(report.splitNote ?? "")")
        #expect(report.splitNote?.hasSuffix("evaluated by leave-last-out") == true, "\(report.splitNote ?? "")")
        // Each person's last purchase is their case; all 20 have earlier purchases of other items.
        #expect(report.evaluatedUsers == 20)
        #expect(report.results.allSatisfy { $0.metrics.users == 20 })
        #expect(report.results.contains { $0.metrics.recall > 0 }, "\(report.results.map(\.metrics.recall))")
    }

    @Test func leaveLastOutHoldsOutExactlyEachPersonsLastRelevantEvent() throws {
        let data = try TrainingData.load(from: engine.database, includeAnonymousSessions: false)
        let split = try #require(TimeSplit.leaveLastOut(data, options: EvaluationOptions()))
        // u0 bought A, B, C, D on days 0, 10, 20, 30: D is held out and not trained on.
        let u0 = try #require(
            data.userPKs.firstIndex { pk in
                data.userPseudonyms[pk] == engine.database.pseudonymizer.pseudonym(of: "u0")
            })
        let testCase = try #require(split.evaluation.cases.first { $0.user == u0 })
        let itemD = Int(data.itemIndex[data.catalog.itemPKs[data.catalog.itemIDs.firstIndex(of: "D")!]]!)
        #expect(testCase.relevant == [itemD])
        #expect(!split.evaluation.train.interactions.row(u0).columns.contains(Int32(itemD)))
        #expect(split.evaluation.train.interactions.row(u0).columns.count == 3)
    }

    @Test func trainingRecordsTheSplitItValidatedOn() throws {
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: "item-knn-cosine")
        let report = try engine.train(options)
        #expect(report.validation != nil)
        let metrics = try engine.database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT metrics FROM model_versions WHERE version = ?", arguments: [report.version])!
        }
        #expect(metrics.contains(#""split":"leave-last-out""#), "\(metrics)")
        #expect(metrics.contains("the last 30 days evaluate 0 people"))
    }

    @Test func withNoOneToEvaluateAtAllEvaluationRefusesPlainly() throws {
        var options = EvaluationOptions()
        options.relevantKinds = [.rating]
        options.algorithms = [AlgorithmSpec(name: "popularity")]
        #expect {
            try engine.evaluate(options)
        } throws: { error in
            String(describing: error).contains("nothing to evaluate") && String(describing: error).contains("no one can be evaluated")
        }
    }
}
