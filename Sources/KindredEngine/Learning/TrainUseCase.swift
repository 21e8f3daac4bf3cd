import Foundation
import KindredLearning
import KindredStore

/// How `kindred train` (and the scheduler) trains.
public struct TrainOptions: Sendable {
    public var algorithm = AlgorithmSpec(name: "hybrid")
    public var weights = EventWeights()
    public var includeAnonymousSessions = true
    /// The validation period carved from the end of the data; 0 skips validation (and with
    /// it the comparison with the active model: the new model is activated).
    public var validationDays = 30
    public var k = 20
    public var relevantKinds: Set<InteractionKind> = [.purchase, .addToCart]
    /// How validation holds data out (nil: chosen from the data, `TimeSplit.evaluable`).
    public var split: SplitMethod?
    /// Search a small grid of hyper-parameters on the validation split first.
    public var tune = false
    /// Choose the algorithm and its hyper-parameters by `ModelSearch` on the validation split
    /// (what `kindred train` does when no algorithm is named); `algorithm` is then what is
    /// trained when there is no validation split to search on.
    public var search: ModelSearchOptions?
    /// When `algorithm` is the winner of an earlier search being refitted (the hourly retrain),
    /// the time of that search: the version records it, and the scheduler searches again once
    /// it is a day old.
    public var searchedMs: Int64?
    /// How much worse (relative, on validation NDCG@k) a new model may be than the active one
    /// and still replace it; nil reads `models.activation_margin` from settings (default 0.05).
    public var activationMargin: Double?
    /// Store the model beside the active one without activating it, whatever its metrics: a
    /// model for an experiment variant (`algorithm:NAME`), or one to compare by hand.
    public var keepBesideActive = false
    public var threads = 2
    public var seed: UInt64 = 42
    /// Who asked for the run, recorded with the job: "cli", "api", "scheduler".
    public var trigger = "cli"
    /// Learn a re-ranking of the new version's lists (LambdaMART, as `kindred ranker train`):
    /// true learns one (with the active version's ranker settings, or the defaults), false
    /// learns none, nil re-learns the active version's ranker when it has one. The ranker is
    /// kept only when it beats the model's order on the held-out people. Not on by default: on
    /// Online Retail a ranker kept by that rule lowered the test period's recall@20
    /// (docs/benchmarks.md).
    public var learnsRanker: Bool?

    public init() {}
}

/// What a training run did.
public struct TrainReport: Sendable, Codable {
    public struct Candidate: Sendable, Codable {
        public var parameters: [String: Double]
        public var metrics: RankingMetrics
    }

    public var version: Int64
    public var algorithm: String
    public var parameters: [String: Double]
    public var validation: RankingMetrics?
    public var activated: Bool
    public var reason: String
    public var trainingSeconds: Double
    /// The final fit alone (no reading, validation or writing).
    public var fitSeconds: Double
    public var users: Int
    public var items: Int
    public var interactions: Int
    public var tuning: [Candidate]
    /// The search that chose the algorithm, when one did.
    public var search: SearchReport?
    /// How validation held data out (`SplitMethod.reportName`), when there was validation.
    public var validationSplit: String?
    /// The learned ranker learnt for this version (the search chose the algorithm, or the
    /// active version had a ranker).
    public var ranker: RankerReport?
    /// Why no ranker was learnt for this version, when one was to be.
    public var rankerNote: String?
}

extension Engine {
    /// Trains a model on all events, measures it on a validation split carved from the end of
    /// the data, stores it as a new version, and activates it unless it is worse than the
    /// active model by more than the margin.
    public func train(_ options: TrainOptions, progress: (String) -> Void = { _ in }) throws -> TrainReport {
        let started = WallClock.monotonicSeconds()
        let startedMs = clock.now()
        // Sessions are read only when the new model or the active one (re-fitted for the
        // activation rule) learns from them.
        let activeSpec = try database.writer.read { db in try ModelRegistry.active(in: db) }.flatMap { try? StoredSpec.spec(of: $0) }
        let groupings = Set([options.algorithm.sequenceGrouping, activeSpec?.sequenceGrouping].compactMap { $0 })
        let data = try TrainingData.load(
            from: database, includeAnonymousSessions: options.includeAnonymousSessions, withSessions: !groupings.isEmpty)
        guard let lastEvent = data.lastEventMs, data.log.count > 0 else {
            throw DataError(file: database.path, message: "no events to train on; import some first")
        }
        // A catalog the algorithm cannot hold is refused before any fit.
        if options.search == nil { try options.algorithm.checkFits(items: data.catalog.itemPKs.count, database: database.path) }
        var evaluation = EvaluationOptions()
        evaluation.testDays = options.validationDays
        evaluation.k = options.k
        evaluation.weights = options.weights
        evaluation.relevantKinds = options.relevantKinds
        evaluation.withSequences = groupings
        evaluation.split = options.split
        evaluation.seed = options.seed
        evaluation.threads = options.threads
        evaluation.includeAnonymousSessions = options.includeAnonymousSessions
        let split = options.validationDays > 0 ? TimeSplit.evaluable(data, options: evaluation) : nil
        let usable = split.map { !$0.evaluation.cases.isEmpty } ?? false

        // Content neighbours depend on the catalog alone: every fit of this run shares them.
        let memo = ContentMemo()
        // Choose hyper-parameters on the validation split only.
        var spec = options.algorithm
        var tuning: [TrainReport.Candidate] = []
        var validation: RankingMetrics?
        var validatedModel: (any RecommenderModel)?
        var searched: SearchReport?
        if usable, let split, let search = options.search {
            // Scored through the serving pipeline's stages, as the lists will be served: a
            // neighbour model's empty places are filled there, and judging it without them
            // would choose against it.
            let found = try ModelSearch.run(
                on: split, items: data.catalog.itemPKs.count, options: search, k: options.k, threads: options.threads,
                seed: options.seed, memo: memo,
                stages: try servingStages(data: data, train: split.evaluation.train, options: evaluation).stages,
                progress: progress)
            spec = found.winner
            // The activation rule compares this with the active model re-fitted and scored
            // plainly (no stages), as every named training is: like with like.
            validation = Evaluator.evaluate(found.model, on: split.evaluation, k: options.k, threads: options.threads)
            validatedModel = found.model
            searched = found.report
        } else if usable, let split {
            let candidates = options.tune ? TuningGrid.candidates(for: spec) : [spec]
            var best: (spec: AlgorithmSpec, metrics: RankingMetrics, model: any RecommenderModel)?
            for candidate in candidates {
                progress(
                    "validating \(candidate.name) \(candidate.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))"
                )
                let fitted = try candidate.withoutTrend.make(threads: options.threads, seed: options.seed, memo: memo)
                    .fit(split.evaluation.train)
                let weights =
                    options.tune ? TuningGrid.trendWeights(for: candidate) : [candidate.parameters[AlgorithmSpec.trendWeight] ?? 0]
                let scored = ModelSearch.blended(fitted, spec: candidate, on: split.evaluation, weights: weights) { model in
                    Evaluator.evaluate(model, on: split.evaluation, k: options.k, threads: options.threads)
                }.best
                tuning.append(.init(parameters: scored.spec.parameters, metrics: scored.metrics))
                if best == nil || (scored.metrics.ndcg, scored.metrics.recall) > (best!.metrics.ndcg, best!.metrics.recall) {
                    best = scored
                }
            }
            spec = best!.spec
            validation = best!.metrics
            validatedModel = best!.model
        }

        progress("fitting \(spec.name) on all events")
        let algorithm = try spec.make(threads: options.threads, seed: options.seed, memo: memo)
        let trainingSet = data.trainingSet(
            weights: options.weights, referenceTime: lastEvent, withSequences: Set([algorithm.sequenceGrouping].compactMap { $0 }))
        let fitStarted = WallClock.monotonicSeconds()
        let model = algorithm.fit(trainingSet)
        let fitSeconds = WallClock.monotonicSeconds() - fitStarted

        // A shop that uses a learned ranker keeps one: the active version's is re-learnt for
        // this version with the same settings (or one is learnt when asked), from the model
        // validated above (no extra fit).
        var ranker: (stored: StoredRanker?, report: RankerReport)?
        var rankerNote: String?
        let active = try database.writer.read { db in try ModelRegistry.active(in: db) }
        let previous = try active.flatMap { try storedRankerSettings(ofVersion: $0.version) }
        if options.learnsRanker != false, previous != nil || options.learnsRanker == true, let validatedModel, let split, usable {
            var rankerOptions = RankerOptions(following: evaluation)
            if let previous {
                rankerOptions.settings = previous.settings
                rankerOptions.candidates = previous.candidates
            }
            progress(previous != nil ? "re-learning the ranker of version \(active!.version)" : "learning a ranker")
            do {
                let lists = try rankerDataset(
                    model: validatedModel, spec: spec, version: 0, data: data, split: split, options: rankerOptions, progress: progress)
                ranker = try fitRanker(lists, options: rankerOptions, progress: progress)
            } catch let error as DataError {
                rankerNote = "no ranker: \(error.message)"
            }
        }

        var report = try register(
            FittedModel(
                model: model, spec: spec, parameters: spec.recordedParameters(of: algorithm), validation: validation,
                validatedModel: validatedModel,
                fitSeconds: fitSeconds, tuning: tuning, search: searched, ranker: ranker),
            data: data, split: split, trainingSet: trainingSet, options: options, memo: memo, started: started, startedMs: startedMs,
            progress: progress)
        report.rankerNote = rankerNote
        return report
    }
}

extension AlgorithmSpec {
    /// The spec with every default written out, so that two specs that make the same
    /// algorithm compare equal however they were written.
    var normalized: AlgorithmSpec {
        guard let known = AlgorithmSpec.known.first(where: { $0.name == name }) else { return self }
        return AlgorithmSpec(name: name, parameters: known.parameters.merging(parameters) { _, given in given })
    }
}

/// The algorithm spec a stored version was trained with.
enum StoredSpec {
    static func spec(of record: ModelVersionRecord) throws -> AlgorithmSpec {
        let object = (try JSONSerialization.jsonObject(with: Data(record.hyperparameters.utf8)) as? [String: Any]) ?? [:]
        guard let known = AlgorithmSpec.known.first(where: { $0.name == record.algorithm }) else {
            throw AlgorithmSpecError.unknownAlgorithm(record.algorithm)
        }
        var parameters: [String: Double] = [:]
        let accepted = AlgorithmSpec.accepted(by: known.name)
        for (key, value) in object where accepted.contains(key) { parameters[key] = (value as? NSNumber)?.doubleValue }
        return AlgorithmSpec(name: record.algorithm, parameters: parameters)
    }
}

/// The small grids `--tune` searches.
enum TuningGrid {
    /// Every combination of the axes' values over `spec`'s parameters, the first axis slowest.
    static func grid(_ spec: AlgorithmSpec, _ axes: [(String, [Double])]) -> [AlgorithmSpec] {
        var result = [spec.parameters]
        for (name, values) in axes {
            result = result.flatMap { base in values.map { base.merging([name: $0]) { _, new in new } } }
        }
        return result.map { AlgorithmSpec(name: spec.name, parameters: $0) }
    }

    /// The trend weights tuning scores each fit under: the one the spec names, else the
    /// search's (`ModelSearchOptions.trendWeights`).
    static func trendWeights(for spec: AlgorithmSpec) -> [Double] {
        spec.parameters[AlgorithmSpec.trendWeight].map { [$0] } ?? ModelSearchOptions.defaultTrendWeights
    }

    static func candidates(for spec: AlgorithmSpec) -> [AlgorithmSpec] {
        func grid(_ axes: [(String, [Double])]) -> [AlgorithmSpec] { Self.grid(spec, axes) }
        switch spec.name {
        case "als", "hybrid":
            return grid([("factors", [32, 64, 128]), ("regularization", [0.01, 0.1, 1]), ("alpha", [1, 10])])
        case "bpr":
            return grid([("factors", [32, 64]), ("learning_rate", [0.01, 0.05]), ("epochs", [20, 50])])
        case "item2vec":
            // The exponent matters most for recommendations (Caselles-Dupré et al., RecSys 2018).
            return grid([("negative_exponent", [-0.5, 0, 0.5, 0.75, 1])])
        case "item-knn-cosine", "item-knn-bm25", "content":
            return grid([("neighbours", [20, 50, 100, 200])])
        case "ease":
            return grid([("regularization", [50, 100, 250, 500, 1000, 2500])])
        case "ncf":
            return grid([("learning_rate", [0.05, 0.01]), ("regularization", [0.001, 0.01]), ("epochs", [10, 20])])
        default:
            return [spec]
        }
    }
}
