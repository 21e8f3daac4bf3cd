import Foundation
import KindredLearning
import KindredStore

/// How a learned ranker is trained (`kindred ranker train`, `kindred ranker export`).
public struct RankerOptions: Sendable {
    public var settings = LambdaMARTSettings()
    /// Candidates per person: what the ranker re-orders, in training as in serving.
    public var candidates = 200
    /// The share of people whose lists stop the boosting early and measure it (none of their
    /// lists is trained on).
    public var validationShare = 0.2
    /// The validation split the candidates come from, as `kindred train` carves it.
    public var validationDays = 30
    public var relevantKinds: Set<InteractionKind> = [.purchase, .addToCart]
    public var split: SplitMethod?
    public var weights = EventWeights()
    public var includeAnonymousSessions = true
    public var threads = 2
    public var seed: UInt64 = 42
    /// What the lists are: the shop's logged lists or the purchases after the cut.
    public var source = RankerListSource.auto
    /// `auto` learns from logged lists when at least this many shown after the cut had an outcome.
    public var minimumLoggedLists = 100
    /// The most logged lists read, newest first.
    public var maximumLoggedLists = 50_000
    /// The largest weight an item with an outcome gets for having been shown with a small
    /// probability: inverse propensities without a bound let one lucky draw outweigh a day.
    /// Nil chooses by the log's size (`clip(forLists:)`).
    public var propensityClip: Double?

    /// Below this many logged lists with an outcome, `propensityClip` nil weighs every row 1.
    public static let weightedListsMinimum = 2_000

    /// The clip a log of `lists` lists with an outcome is learnt with when none is set: 1 (no
    /// weighting) below `weightedListsMinimum`, 10 from there. In bench/ranker-impressions.sh
    /// (docs/benchmarks.md) inverse-propensity weights cost simulated visitors clicks when
    /// learnt from about 800 lists, and earned them from about 2,800: their variance needs data.
    public func clip(forLists lists: Int) -> Double {
        propensityClip ?? (lists >= Self.weightedListsMinimum ? 10 : 1)
    }

    public init() {}

    /// The options that follow an evaluation's (or a training's) choices of what counts: the
    /// relevant events, the weights, anonymous sessions, the split, threads and seed.
    init(following evaluation: EvaluationOptions) {
        relevantKinds = evaluation.relevantKinds
        weights = evaluation.weights
        includeAnonymousSessions = evaluation.includeAnonymousSessions
        split = evaluation.split
        threads = evaluation.threads
        seed = evaluation.seed
    }

    /// The validation split the lists come from, as evaluation options.
    var validation: EvaluationOptions {
        var evaluation = EvaluationOptions()
        evaluation.testDays = validationDays
        evaluation.weights = weights
        evaluation.relevantKinds = relevantKinds
        evaluation.includeAnonymousSessions = includeAnonymousSessions
        evaluation.split = split
        evaluation.threads = threads
        evaluation.seed = seed
        return evaluation
    }
}

/// The lists a ranker learns from: for each person of the validation split who acted on one of
/// their candidates after the cut, the active algorithm's top candidates (fitted before the
/// cut), each row labelled 1 when the person then bought or carted it (the split's relevant
/// events), else 0.
public struct RankerDataset: Sendable {
    public var train: RankingDataset
    public var validation: RankingDataset
    public var modelVersion: Int64
    public var spec: AlgorithmSpec
    public var split: String
    public var cutMs: Int64
    /// People of the split whose candidates held nothing they later acted on: a list of equal
    /// labels teaches nothing, so it is left out (and said so).
    public var droppedPeople: Int
    public var evaluablePeople: Int
    /// Relevant items of the kept people that were not among their candidates: what no
    /// re-ranking can reach.
    public var missedRelevant: Int
    /// Up to 1,000 held-out lists as serving would hand them to the stage (the person's
    /// history and the candidates), and the item facts: what the stage's speed is measured on.
    var stageSamples: [(query: RankingQuery, candidates: [RankedItem])] = []
    var facts: RerankerItemFacts
    /// Logged lists or purchases, and why (for `auto`).
    public var source = RankerListSource.purchases
    public var sourceNote: String?
    /// Rows weighted for the probability they were shown with (impressions only).
    public var weightedRows = 0
    /// Lists shown to known people after the cut, with an outcome or not (impressions only).
    public var shownLists: Int?
    /// How much less often lower places are looked at, from exploration's random draws after
    /// the cut (impressions only; nil when too few draws had an outcome to tell).
    public var positionBias: PositionBias?
    public var exploredDraws: (shown: Int, followed: Int) = (0, 0)
    /// The clip the weights were capped at (impressions only; 1: no row weighted).
    public var propensityClip: Double?
}

extension Engine {
    /// Builds the ranker's lists on the active model's algorithm and settings.
    public func rankerDataset(_ options: RankerOptions, progress: (String) -> Void = { _ in }) throws -> RankerDataset {
        guard let active = try database.writer.read({ db in try ModelRegistry.active(in: db) }) else {
            throw DataError(file: database.path, message: "no active model to learn a ranking for; run `kindred train` first")
        }
        let spec = try StoredSpec.spec(of: active)
        let data = try TrainingData.load(
            from: database, includeAnonymousSessions: options.includeAnonymousSessions, withSessions: spec.sequenceGrouping != nil)
        try spec.checkFits(items: data.catalog.itemPKs.count, database: database.path)
        var evaluation = options.validation
        evaluation.withSequences = Set([spec.sequenceGrouping].compactMap { $0 })
        // Logged lists are read after a cut in time, whatever else the data would choose; `auto`
        // cuts in time too when the lists after that cut are enough to learn from.
        if options.source == .impressions {
            evaluation.split = .time
        } else if options.source == .auto, evaluation.split == nil, let end = data.lastEventMs {
            let cut = end - Int64(evaluation.testDays) * 86_400_000
            let logged = try database.writer.read { db in try ListWithOutcomes.countWithOutcomes(fromMs: cut + 1, toMs: .max, in: db) }
            if logged >= options.minimumLoggedLists { evaluation.split = .time }
        }
        guard let split = TimeSplit.evaluable(data, options: evaluation),
            !split.evaluation.cases.isEmpty || options.source == .impressions
        else {
            throw DataError(
                file: database.path,
                message: "nobody to learn a ranking from: no one has a purchase or cart after the validation cut and history before it")
        }
        progress("fitting \(spec.name) on the data before the cut (\(split.method))")
        let model = try spec.make(threads: options.threads, seed: options.seed).fit(split.evaluation.train)
        return try rankerDataset(
            model: model, spec: spec, version: active.version, data: data, split: split, options: options, progress: progress)
    }

    /// The lists of a model already fitted on `split`'s training part: what training reuses
    /// when it re-learns the ranker of a new version from the model it validated.
    func rankerDataset(
        model: any RecommenderModel, spec: AlgorithmSpec, version: Int64, data: TrainingData, split: TimeSplit, options: RankerOptions,
        progress: (String) -> Void
    ) throws -> RankerDataset {
        var note: String?
        if options.source != .purchases {
            let timed = split.method == SplitMethod.time.reportName
            let logged: (lists: [ListWithOutcomes], shown: Int) =
                timed
                ? try database.writer.read { db in
                    try ListWithOutcomes.withOutcomes(fromMs: split.cutMs + 1, toMs: .max, limit: options.maximumLoggedLists, in: db)
                } : ([], 0)
            if options.source == .impressions || logged.lists.count >= options.minimumLoggedLists {
                guard timed else {
                    throw DataError(
                        file: database.path, message: "logged lists are read after a cut in time; the validation split is \(split.method)")
                }
                var dataset = try impressionRankerDataset(
                    model: model, spec: spec, version: version, data: data, split: split, logged: logged, options: options,
                    progress: progress)
                dataset.sourceNote =
                    "\(logged.lists.count) lists shown to known people after the cut had an outcome"
                    + (options.source == .auto ? " (at least \(options.minimumLoggedLists) learn from logged lists)" : "")
                return dataset
            }
            note =
                timed
                ? "only \(logged.lists.count) lists shown after the cut had an outcome (logged lists need \(options.minimumLoggedLists)); learning from purchases"
                : "the validation split is \(split.method), not a cut in time; learning from purchases"
        }
        let facts = try rerankerFacts(itemPKs: data.catalog.itemPKs, catalog: data.catalog, asOfMs: split.cutMs)
        progress("listing \(options.candidates) candidates for \(split.evaluation.cases.count) people")
        let lists = Self.candidateLists(
            model: model, on: split.evaluation, facts: facts, candidates: options.candidates, threads: options.threads
        ) { Self.holdsOut(user: $0.user, share: options.validationShare, seed: options.seed) }

        var train = RankingDataset(featureCount: RerankerFeatures.count)
        var validation = RankingDataset(featureCount: RerankerFeatures.count)
        var dropped = 0
        var missed = 0
        var samples: [(query: RankingQuery, candidates: [RankedItem])] = []
        for (index, list) in lists.enumerated() {
            let positives = list.labels.reduce(0) { $0 + Int($1) }
            guard positives > 0 else {
                dropped += 1
                continue
            }
            missed += split.evaluation.cases[index].relevant.count - positives
            if Self.holdsOut(user: split.evaluation.cases[index].user, share: options.validationShare, seed: options.seed) {
                validation.appendGroup(features: list.features, labels: list.labels)
                if samples.count < 1_000, let query = list.query { samples.append((query, list.candidates)) }
            } else {
                train.appendGroup(features: list.features, labels: list.labels)
            }
        }
        var dataset = RankerDataset(
            train: train, validation: validation, modelVersion: version, spec: spec, split: split.method, cutMs: split.cutMs,
            droppedPeople: dropped, evaluablePeople: split.evaluation.cases.count, missedRelevant: missed, stageSamples: samples,
            facts: facts)
        dataset.sourceNote = note
        return dataset
    }

    /// Each case's candidates as serving retrieves them (the model, then the popular items to
    /// fill), with their feature rows and labels; the query and the candidates themselves only
    /// for the cases `sampled` picks (what the stage is timed on), so that a large shop's lists
    /// hold no more than their features.
    static func candidateLists(
        model: any RecommenderModel, on set: EvaluationSet, facts: RerankerItemFacts, candidates: Int, threads: Int,
        sampled: @escaping @Sendable (EvaluationSet.Case) -> Bool
    ) -> [(features: [Float], labels: [Float], query: RankingQuery?, candidates: [RankedItem])] {
        Evaluator.mapLists(model, on: set, count: candidates, threads: threads) { testCase, query, ranked in
            var features: [Float] = []
            features.reserveCapacity(ranked.count * RerankerFeatures.count)
            RerankerFeatures.append(
                ranked, person: .init(history: query.history, facts: facts, context: query.context), facts: facts, to: &features)
            let labels: [Float] = ranked.map { testCase.relevant.contains($0.item) ? 1 : 0 }
            return sampled(testCase) ? (features, labels, query, ranked) : (features, labels, nil, [])
        }
    }

    /// Whether a person's list is held out for validation: a hash of who they are, so that the
    /// same people are held out on every run with the same seed.
    static func holdsOut(user: Int, share: Double, seed: UInt64) -> Bool {
        var value = UInt64(user) &+ seed &* 0x9E37_79B9_7F4A_7C15
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return Double(value) / Double(UInt64.max) < share
    }
}
