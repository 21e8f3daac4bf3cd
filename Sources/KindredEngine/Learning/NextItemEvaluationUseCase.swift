import Foundation
import KindredLearning
import KindredStore

/// The outcome of `kindred evaluate --task next-item`: how well each algorithm's similar items
/// predict the next item of sessions in the test period.
public struct NextItemReport: Sendable, Codable {
    public struct Result: Sendable, Codable {
        public var algorithm: String
        public var parameters: [String: Double]
        public var metrics: NextItemMetrics
        public var fitSeconds: Double
    }

    public var task = "next-item"
    /// Sessions (or idle-split visits) of events up to the cut trained the models; those
    /// after it are walked step by step.
    public var cutMs: Int64
    public var trainSequences: Int
    public var trainTokens: Int
    /// Distinct items in the training sequences: the steps from any other item are skipped.
    public var vocabulary: Int
    public var testSequences: Int
    public var items: Int
    public var results: [Result]
}

extension Engine {
    /// Trains each algorithm on the events before the last `testDays` and asks its similar
    /// items, for each step of each later session, whether they hold where the person went next.
    public func evaluateNextItem(_ options: EvaluationOptions, progress: (String) -> Void = { _ in }) throws -> NextItemReport {
        let data = try TrainingData.load(from: database, includeAnonymousSessions: options.includeAnonymousSessions, withSessions: true)
        guard let last = data.lastEventMs else {
            throw DataError(file: database.path, message: "no events to evaluate on; import some first")
        }
        let cut = last - Int64(options.testDays) * 86_400_000
        // Test steps are always within sessions; each model learns from the sequences it asks for.
        let groupings = Set([SequenceGrouping.sessions] + options.algorithms.compactMap(\.sequenceGrouping))
        let train = data.trainingSet(weights: options.weights, referenceTime: cut, withSequences: groupings) { data.log.times[$0] <= cut }
        let test = data.sequences(weights: options.weights) { data.log.times[$0] > cut }
        let steps = NextItemEvaluation.steps(of: test)
        guard let trainSequences = train.sequences[.sessions], trainSequences.tokenCount > 0, !steps.isEmpty else {
            throw DataError(
                file: database.path,
                message:
                    "nothing to evaluate: the \(options.testDays) days before the last event need sessions of two or more items, "
                    + "and the days before them some sessions to learn from (try --test-days)")
        }
        let counts = trainSequences.counts(itemCount: train.items)
        var results: [NextItemReport.Result] = []
        for spec in options.algorithms {
            try spec.checkFits(items: train.items, database: database.path)
            let algorithm = try spec.make(threads: options.threads, seed: options.seed)
            progress("fitting \(spec.name)")
            let started = WallClock.monotonicSeconds()
            let model = algorithm.fit(train)
            let seconds = WallClock.monotonicSeconds() - started
            let metrics = NextItemEvaluation.evaluate(
                model, steps: steps, k: options.k, known: { counts[$0] > 0 }, threads: options.threads)
            results.append(
                .init(algorithm: spec.name, parameters: spec.recordedParameters(of: algorithm), metrics: metrics, fitSeconds: seconds))
        }
        return NextItemReport(
            cutMs: cut, trainSequences: trainSequences.count, trainTokens: trainSequences.tokenCount,
            vocabulary: counts.filter { $0 > 0 }.count, testSequences: test.count, items: train.items, results: results)
    }
}
