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
    /// The re-ranking stages lists get (nil: the shop's `serving.*` settings, as serving uses).
    public var diversity: Double?
    public var maxPerCategory: Int?
    public var maxPerBrand: Int?
    public var longTailShare: Double?
    /// Order the training events into these sequences too (those the algorithms learn from).
    public var withSequences: Set<SequenceGrouping> = []

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
    /// How the test cases were chosen: `time` (the last `testDays`) or `leave-last-out` (each
    /// person's latest relevant event, when the last days hold no one to evaluate).
    public var split: String
    /// Said plainly when the split is not the one asked for.
    public var splitNote: String?
    public var cutMs: Int64
    public var trainUsers: Int
    public var items: Int
    public var trainInteractions: Int
    public var evaluatedUsers: Int
    /// The re-ranking the lists went through, as serving would apply it ("none" without).
    public var reranking: String = "none"
    public var results: [Result]
}

/// A time split of the data: train on everything up to the cut, test on what came after.
public struct TimeSplit: Sendable {
    public let cutMs: Int64
    public let evaluation: EvaluationSet
    /// `time` or `leave-last-out`, and why it is not `time` when it is not.
    public var method = "time"
    public var note: String?
    /// Leave-last-out only: per person row, the time of the event held out for them; what they
    /// did from then on is not trained on.
    public var heldFromMs: [Int32: Int64] = [:]

    /// Whether the event at `index` of `data.log` is in this split's training part: what a
    /// fit outside Kindred (Spark) needs to reproduce the same validation.
    public func trains(on index: Int, of data: TrainingData) -> Bool {
        Self.trains(on: index, of: data, cutMs: cutMs, heldFromMs: heldFromMs)
    }

    static func trains(on index: Int, of data: TrainingData, cutMs: Int64, heldFromMs: [Int32: Int64]) -> Bool {
        let time = data.log.times[index]
        guard time <= cutMs else { return false }
        return heldFromMs[data.log.users[index]].map { time < $0 } ?? true
    }

    /// The split that evaluates: the last `testDays` when anyone can be evaluated there;
    /// otherwise each person's latest relevant event left out (`leaveLastOut`), with a note
    /// saying why. Nil without events; a split with no cases when no one is evaluable at all.
    public static func evaluable(_ data: TrainingData, options: EvaluationOptions, endMs: Int64? = nil) -> TimeSplit? {
        guard let byTime = make(data, options: options, endMs: endMs) else { return nil }
        guard byTime.evaluation.cases.isEmpty else { return byTime }
        var fallback = leaveLastOut(data, options: options, endMs: endMs)
        let kinds = options.relevantKinds.map(TrainingDataKinds.name(of:)).sorted().joined(separator: " or ")
        fallback.note =
            "the last \(options.testDays) days hold no one to evaluate (nobody with earlier history has a \(kinds) there); "
            + (fallback.evaluation.cases.isEmpty
                ? "nor does leaving each person's last \(kinds) out"
                : "evaluated on each person's last \(kinds) instead (leave-last-out)")
        return fallback
    }

    /// Leave-last-out: each real person's latest relevant event (up to `endMs`) is their test
    /// case, and they are trained on only what they did before it; everyone else trains on
    /// everything up to `endMs`.
    static func leaveLastOut(_ data: TrainingData, options: EvaluationOptions, endMs: Int64? = nil) -> TimeSplit {
        let end = endMs ?? data.lastEventMs ?? 0
        var held: [Int32: (time: Int64, item: Int32)] = [:]
        for index in 0..<data.log.count {
            let user = data.log.users[index]
            let time = data.log.times[index]
            guard time <= end, Int(user) < data.userPKs.count, options.relevantKinds.contains(data.log.kinds[index]) else { continue }
            if let current = held[user], current.time >= time { continue }
            held[user] = (time, data.log.items[index])
        }
        let heldFrom = held.mapValues(\.time)
        let train = data.trainingSet(weights: options.weights, referenceTime: end, withSequences: options.withSequences) { index in
            TimeSplit.trains(on: index, of: data, cutMs: end, heldFromMs: heldFrom)
        }
        var cases: [EvaluationSet.Case] = []
        for user in held.keys.sorted() {
            let seen = train.interactions.row(Int(user)).columns
            guard !seen.isEmpty else { continue }
            let item = Int(held[user]!.item)
            var excluded = Set<Int32>()
            if options.testProtocol == .discovery {
                guard !seen.contains(Int32(item)) else { continue }
                excluded = Set(seen)
            }
            cases.append(EvaluationSet.Case(user: Int(user), relevant: [item], excluded: excluded))
        }
        return TimeSplit(
            cutMs: end, evaluation: EvaluationSet(train: train, cases: cases), method: "leave-last-out", heldFromMs: heldFrom)
    }

    /// Splits at `lastEventMs - testDays`; evaluated users are real users (not anonymous
    /// sessions) with training interactions and at least one relevant test item.
    public static func make(_ data: TrainingData, options: EvaluationOptions, endMs: Int64? = nil) -> TimeSplit? {
        guard let last = endMs ?? data.lastEventMs else { return nil }
        let cut = last - Int64(options.testDays) * 86_400_000
        let train = data.trainingSet(weights: options.weights, referenceTime: cut, withSequences: options.withSequences) {
            data.log.times[$0] <= cut
        }
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
        var options = options
        options.withSequences.formUnion(options.algorithms.compactMap(\.sequenceGrouping))
        let data = try TrainingData.load(
            from: database, includeAnonymousSessions: options.includeAnonymousSessions, withSessions: !options.withSequences.isEmpty)
        guard let split = TimeSplit.evaluable(data, options: options) else {
            throw DataError(file: database.path, message: "no events to evaluate on; import some first")
        }
        guard !split.evaluation.cases.isEmpty else {
            throw DataError(
                file: database.path,
                message:
                    "nothing to evaluate: \(split.note ?? "no one has a relevant event and earlier history") (try --relevant with more event types, or --test-days)"
            )
        }
        let shop = try database.writer.read { db in try ServingSettings.read(in: db) }
        let settings = ServingSettings(
            diversity: options.diversity ?? shop.diversity, maxPerCategory: options.maxPerCategory ?? shop.maxPerCategory,
            maxPerBrand: options.maxPerBrand ?? shop.maxPerBrand, longTailShare: options.longTailShare ?? shop.longTailShare)
        let groups = ItemGroups(data).withLongTail(popularity: Evaluator.distinctUsers(split.evaluation.train.interactions))
        func stages(_ model: any RecommenderModel) -> EvaluationStages {
            EvaluationStages(
                rerankers: ServingPipeline.rerankers(settings: settings, groups: groups, similarity: groups.similarity(for: model)),
                similarity: GroupSimilarity(groups: groups.categories))
        }
        // The tuning split lives entirely before the test cut.
        let tuningSplit = options.tune ? TimeSplit.evaluable(data, options: options, endMs: split.cutMs) : nil
        var results: [EvaluationReport.Result] = []
        for var spec in options.algorithms {
            if let tuningSplit, !tuningSplit.evaluation.cases.isEmpty {
                var best: (AlgorithmSpec, RankingMetrics)?
                for candidate in TuningGrid.candidates(for: spec) {
                    progress("tuning \(candidate.name) \(candidate.parameters)")
                    let model = try candidate.make(threads: options.threads, seed: options.seed).fit(tuningSplit.evaluation.train)
                    let metrics = Evaluator.evaluate(
                        model, on: tuningSplit.evaluation, k: options.k, threads: options.threads, stages: stages(model))
                    if best == nil || (metrics.ndcg, metrics.recall) > (best!.1.ndcg, best!.1.recall) { best = (candidate, metrics) }
                }
                spec = best!.0
            }
            let algorithm = try spec.make(threads: options.threads, seed: options.seed)
            progress("fitting \(spec.name)")
            let started = WallClock.monotonicSeconds()
            let model = algorithm.fit(split.evaluation.train)
            let seconds = WallClock.monotonicSeconds() - started
            let metrics = Evaluator.evaluate(model, on: split.evaluation, k: options.k, threads: options.threads, stages: stages(model))
            results.append(.init(algorithm: spec.name, parameters: algorithm.hyperparameters, metrics: metrics, fitSeconds: seconds))
        }
        let train = split.evaluation.train
        return EvaluationReport(
            testProtocol: options.testProtocol.rawValue, split: split.method, splitNote: split.note, cutMs: split.cutMs,
            trainUsers: data.userPKs.count, items: train.items,
            trainInteractions: train.interactions.nonZeroCount, evaluatedUsers: split.evaluation.cases.count,
            reranking: settings.description, results: results)
    }
}
