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
    /// Where the data ends for the split: later events are left out (nil: the last event). An
    /// import rebuilding the split an export marked ends where the export did.
    public var dataEndMs: Int64?
    /// The split to score on; nil chooses from the data (`TimeSplit.evaluable`).
    public var split: SplitMethod?
    /// When choosing, the fewest people a split must evaluate to be taken: below it the next
    /// method is tried. Thirty people give NDCG a standard error of a few hundredths at best.
    public var minimumEvaluated = 30
    /// Leave out, with the reason in the report, the algorithms the catalog is too large for
    /// (EASE above its `max_items`), instead of refusing the whole run: what "every algorithm"
    /// means when nobody named one.
    public var skipAlgorithmsTheCatalogOutgrows = false
    /// Add the row `default`: what `kindred train` would choose and tune (`ModelSearch`, with
    /// these options), searched on a split of the training period alone, then fitted on all of
    /// it and scored on the test cases like every other row.
    public var includeDefault = false
    /// The `default` row learns a ranker on the search's split as `kindred train --ranker`
    /// does, and re-ranks its lists with it when it is kept.
    public var defaultRanker = false
    public var search = ModelSearchOptions()

    public init() {}
}

/// The outcome of an evaluation: the split and each algorithm's metrics.
public struct EvaluationReport: Sendable, Codable {
    public struct Result: Sendable, Codable {
        public var algorithm: String
        public var parameters: [String: Double]
        public var metrics: RankingMetrics
        public var fitSeconds: Double
        /// For the `default` row: the algorithm the search chose, and the search.
        public var chosen: String?
        public var search: SearchReport?
        /// For the `default` row: the ranker learnt on the search's split (used when kept).
        public var ranker: RankerReport?
    }

    public var testProtocol: String
    /// How the test cases were chosen (`SplitMethod.reportName`): `time` (the last
    /// `testDays`), `leave-last-out` (each person's latest relevant event) or `random-holdout`
    /// (a random fifth of each person's relevant items).
    public var split: String
    /// When the split was chosen from the data and is not the time split: what each method
    /// found and why this one.
    public var splitNote: String?
    public var cutMs: Int64
    public var trainUsers: Int
    public var items: Int
    public var trainInteractions: Int
    public var evaluatedUsers: Int
    /// The re-ranking the lists went through, as serving would apply it ("none" without).
    public var reranking: String = "none"
    public var results: [Result]
    /// Algorithms left out, and why (`EvaluationOptions.skipAlgorithmsTheCatalogOutgrows`).
    public var skipped: [Skipped] = []

    public struct Skipped: Sendable, Codable {
        public var algorithm: String
        public var reason: String
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
        var skipped: [EvaluationReport.Skipped] = []
        var fitting: [AlgorithmSpec] = []
        for spec in options.algorithms {
            do {
                try spec.checkFits(items: data.catalog.itemPKs.count, database: database.path)
                fitting.append(spec)
            } catch let error as DataError where options.skipAlgorithmsTheCatalogOutgrows {
                skipped.append(.init(algorithm: spec.name, reason: error.message))
            }
        }
        options.algorithms = fitting
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
        let (settings, stages) = try servingStages(data: data, train: split.evaluation.train, options: options)
        // The tuning split lives entirely before the test cut.
        let tuningSplit = options.tune ? TimeSplit.evaluable(data, options: options, within: split) : nil
        var results: [EvaluationReport.Result] = []
        if options.includeDefault {
            results.append(try defaultRow(data: data, split: split, options: options, stages: stages, progress: progress))
        }
        for var spec in options.algorithms {
            if let tuningSplit, !tuningSplit.evaluation.cases.isEmpty {
                var best: (AlgorithmSpec, RankingMetrics)?
                for candidate in TuningGrid.candidates(for: spec) {
                    progress("tuning \(candidate.name) \(candidate.parameters)")
                    let fitted = try candidate.withoutTrend.make(threads: options.threads, seed: options.seed)
                        .fit(tuningSplit.evaluation.train)
                    let scored = ModelSearch.blended(
                        fitted, spec: candidate, on: tuningSplit.evaluation, weights: TuningGrid.trendWeights(for: candidate)
                    ) { model in
                        Evaluator.evaluate(model, on: tuningSplit.evaluation, k: options.k, threads: options.threads, stages: stages(model))
                    }.best
                    if best == nil || (scored.metrics.ndcg, scored.metrics.recall) > (best!.1.ndcg, best!.1.recall) {
                        best = (scored.spec, scored.metrics)
                    }
                }
                spec = best!.0
            }
            let algorithm = try spec.make(threads: options.threads, seed: options.seed)
            progress("fitting \(spec.name)")
            let started = WallClock.monotonicSeconds()
            let model = algorithm.fit(split.evaluation.train)
            let seconds = WallClock.monotonicSeconds() - started
            let metrics = Evaluator.evaluate(model, on: split.evaluation, k: options.k, threads: options.threads, stages: stages(model))
            results.append(
                .init(algorithm: spec.name, parameters: spec.recordedParameters(of: algorithm), metrics: metrics, fitSeconds: seconds))
        }
        let train = split.evaluation.train
        return EvaluationReport(
            testProtocol: options.testProtocol.rawValue, split: split.method, splitNote: split.note, cutMs: split.cutMs,
            trainUsers: data.userPKs.count, items: train.items,
            trainInteractions: train.interactions.nonZeroCount, evaluatedUsers: split.evaluation.cases.count,
            reranking: settings.description, results: results, skipped: skipped)
    }

    /// The serving pipeline's re-ranking stages for a model fitted on `train`, as serving runs
    /// them (the shop's `serving.*` settings, unless the options name their own), so that what
    /// is measured, and what the search chooses by, is what people would be shown.
    func servingStages(
        data: TrainingData, train: TrainingSet, options: EvaluationOptions
    ) throws -> (settings: ServingSettings, stages: (any RecommenderModel) -> EvaluationStages) {
        let shop = try database.writer.read { db in try ServingSettings.read(in: db) }
        let settings = ServingSettings(
            diversity: options.diversity ?? shop.diversity, maxPerCategory: options.maxPerCategory ?? shop.maxPerCategory,
            maxPerBrand: options.maxPerBrand ?? shop.maxPerBrand, longTailShare: options.longTailShare ?? shop.longTailShare)
        let groups = ItemGroups(data).withLongTail(popularity: Evaluator.distinctUsers(train.interactions))
        return (
            settings,
            { model in
                EvaluationStages(
                    rerankers: ServingPipeline.rerankers(settings: settings, groups: groups, similarity: groups.similarity(for: model)),
                    similarity: GroupSimilarity(groups: groups.categories))
            }
        )
    }

    /// The `default` row: the search `kindred train` runs, on a split carved from the test
    /// split's training part (it never sees a test case); its winner fitted on the whole
    /// training part and scored on the test cases. Without anyone to search on, what training
    /// falls back to (`TrainOptions().algorithm`).
    private func defaultRow(
        data: TrainingData, split: TimeSplit, options: EvaluationOptions, stages: (any RecommenderModel) -> EvaluationStages,
        progress: (String) -> Void
    ) throws -> EvaluationReport.Result {
        let started = WallClock.monotonicSeconds()
        var spec = TrainOptions().algorithm
        var search: SearchReport?
        var ranker: (stored: StoredRanker?, report: RankerReport)?
        if let inner = TimeSplit.evaluable(data, options: options, within: split), !inner.evaluation.cases.isEmpty {
            let found = try ModelSearch.run(
                on: inner, items: data.catalog.itemPKs.count, options: options.search, k: options.k, threads: options.threads,
                seed: options.seed, memo: ContentMemo(),
                stages: try servingStages(data: data, train: inner.evaluation.train, options: options).stages,
                progress: progress)
            spec = found.winner
            search = found.report
            if options.defaultRanker {
                // As `kindred train` learns it: on the search's split, from the winner fitted there.
                let rankerOptions = RankerOptions(following: options)
                progress("learning the default's ranker")
                let lists = try rankerDataset(
                    model: found.model, spec: spec, version: 0, data: data, split: inner, options: rankerOptions, progress: progress)
                ranker = try? fitRanker(lists, options: rankerOptions, progress: progress)
            }
        }
        progress("fitting the default, \(spec.name)")
        let algorithm = try spec.make(threads: options.threads, seed: options.seed)
        let model = algorithm.fit(split.evaluation.train)
        var listStages = stages(model)
        if let stored = ranker?.stored {
            // Item facts as of the test cut, as serving reads them as of the model's data.
            let facts = try rerankerFacts(itemPKs: data.catalog.itemPKs, catalog: data.catalog, asOfMs: split.cutMs)
            listStages.rerankers.insert(LearnedReranker(model: stored.model, facts: facts, candidates: stored.candidates), at: 0)
        }
        let metrics = Evaluator.evaluate(model, on: split.evaluation, k: options.k, threads: options.threads, stages: listStages)
        return .init(
            algorithm: "default", parameters: spec.recordedParameters(of: algorithm), metrics: metrics,
            fitSeconds: WallClock.monotonicSeconds() - started, chosen: spec.name + (ranker?.stored != nil ? " + ranker" : ""),
            search: search, ranker: ranker?.report)
    }
}
