import Foundation
import KindredLearning
import KindredStore

/// How `kindred evaluate` splits and scores.
public struct EvaluationOptions: Sendable {
    public enum TestProtocol: String, Sendable, Codable, CaseIterable {
        /// Relevant = test-period items the user had not interacted with in training; those
        /// training items are left out of the ranking.
        case discovery
        /// Relevant = every test-period item; repeat purchases count.
        case all
    }

    public var testDays = 30
    public var k = 20
    public var testProtocol = TestProtocol.discovery
    public var weights = EventWeights()
    /// Which test-period events make an item relevant.
    public var relevantKinds: Set<InteractionKind> = [.purchase, .addToCart]
    public var includeAnonymousSessions = true
    public var algorithms: [AlgorithmSpec] = AlgorithmSpec.names.map { AlgorithmSpec(name: $0) }
    public var threads = 2
    public var seed: UInt64 = 42
    /// Choose each algorithm's hyper-parameters on a validation split carved from the end of
    /// the training period (never the test period), then score the choice on the test period.
    public var tune = false

    public init() {}
}

/// The outcome of an evaluation: the split and each algorithm's metrics.
public struct EvaluationReport: Sendable, Codable {
    public struct Result: Sendable, Codable {
        public var algorithm: String
        public var parameters: [String: Double]
        public var metrics: RankingMetrics
        public var fitSeconds: Double
    }

    public var testProtocol: String
    public var cutMs: Int64
    public var trainUsers: Int
    public var items: Int
    public var trainInteractions: Int
    public var evaluatedUsers: Int
    public var results: [Result]
}

/// A time split of the data: train on everything up to the cut, test on what came after.
public struct TimeSplit: Sendable {
    public let cutMs: Int64
    public let evaluation: EvaluationSet

    /// Splits at `lastEventMs - testDays`; evaluated users are real users (not anonymous
    /// sessions) with training interactions and at least one relevant test item.
    public static func make(_ data: TrainingData, options: EvaluationOptions, endMs: Int64? = nil) -> TimeSplit? {
        guard let last = endMs ?? data.lastEventMs else { return nil }
        let cut = last - Int64(options.testDays) * 86_400_000
        let train = data.trainingSet(weights: options.weights, referenceTime: cut) { data.log.times[$0] <= cut }
        var relevant: [Int32: Set<Int>] = [:]
        for index in 0..<data.log.count {
            let time = data.log.times[index]
            guard time > cut, time <= last, Int(data.log.users[index]) < data.userPKs.count,
                options.relevantKinds.contains(data.log.kinds[index])
            else { continue }
            relevant[data.log.users[index], default: []].insert(Int(data.log.items[index]))
        }
        var cases: [EvaluationSet.Case] = []
        for user in relevant.keys.sorted() {
            let seen = train.interactions.row(Int(user)).columns
            guard !seen.isEmpty else { continue }
            var items = relevant[user]!
            var excluded = Set<Int32>()
            if options.testProtocol == .discovery {
                excluded = Set(seen)
                items.subtract(seen.map(Int.init))
            }
            guard !items.isEmpty else { continue }
            cases.append(EvaluationSet.Case(user: Int(user), relevant: items, excluded: excluded))
        }
        return TimeSplit(cutMs: cut, evaluation: EvaluationSet(train: train, cases: cases))
    }
}

extension Engine {
    /// Trains every requested algorithm on the past and scores it on the test period, side by
    /// side with the popularity baseline.
    public func evaluate(_ options: EvaluationOptions, progress: (String) -> Void = { _ in }) throws -> EvaluationReport {
        let data = try TrainingData.load(from: database, includeAnonymousSessions: options.includeAnonymousSessions)
        guard let split = TimeSplit.make(data, options: options) else {
            throw DataError(file: database.path, message: "no events to evaluate on; import some first")
        }
        // The tuning split lives entirely before the test cut.
        let tuningSplit = options.tune ? TimeSplit.make(data, options: options, endMs: split.cutMs) : nil
        var results: [EvaluationReport.Result] = []
        for var spec in options.algorithms {
            if let tuningSplit, !tuningSplit.evaluation.cases.isEmpty {
                var best: (AlgorithmSpec, RankingMetrics)?
                for candidate in TuningGrid.candidates(for: spec) {
                    progress("tuning \(candidate.name) \(candidate.parameters)")
                    let model = try candidate.make(threads: options.threads, seed: options.seed).fit(tuningSplit.evaluation.train)
                    let metrics = Evaluator.evaluate(model, on: tuningSplit.evaluation, k: options.k, threads: options.threads)
                    if best == nil || (metrics.ndcg, metrics.recall) > (best!.1.ndcg, best!.1.recall) { best = (candidate, metrics) }
                }
                spec = best!.0
            }
            let algorithm = try spec.make(threads: options.threads, seed: options.seed)
            progress("fitting \(spec.name)")
            let started = WallClock.monotonicSeconds()
            let model = algorithm.fit(split.evaluation.train)
            let seconds = WallClock.monotonicSeconds() - started
            let metrics = Evaluator.evaluate(model, on: split.evaluation, k: options.k, threads: options.threads)
            results.append(.init(algorithm: spec.name, parameters: algorithm.hyperparameters, metrics: metrics, fitSeconds: seconds))
        }
        let train = split.evaluation.train
        return EvaluationReport(
            testProtocol: options.testProtocol.rawValue, cutMs: split.cutMs, trainUsers: data.userPKs.count, items: train.items,
            trainInteractions: train.interactions.nonZeroCount, evaluatedUsers: split.evaluation.cases.count, results: results)
    }
}
