import Foundation
import KindredLearning
import KindredStore

/// How the default model is chosen: which algorithms compete, and how much fitting the choice
/// may cost.
public struct ModelSearchOptions: Sendable {
    /// The algorithms that compete, each over its space (`ModelSearch.space`). EASE takes part
    /// only where the catalog is within its `max_items`.
    public var algorithms = ["hybrid", "als", "item-knn-bm25", "ease"]
    /// Fits allowed, where a fit on a share s of the people counts s: the plan is cut to this
    /// before it starts (see `ModelSearch.plan`).
    public var budget: Double = 16
    /// Time allowed, as a multiple of one fit of the first configuration (the first algorithm
    /// with its defaults) on all the people, estimated from its first trial; nil: no limit.
    /// Counting fits treats every configuration alike; time catches the one that costs a
    /// hundred of the default's (EASE on a large catalog, NCF): the search stops trying
    /// configurations whose estimated time, with the final fit of the leader, would overrun it.
    public var timeBudget: Double? = 24
    /// Seconds the time budget never goes under: a search of a small shop that takes seconds
    /// in all is not worth cutting, however cheap its one fit.
    public var timeBudgetFloor: Double = 30
    /// Successive halving's factor: each rung keeps the best third, on three times the people.
    public var eta = 3
    /// Rungs: the first fits on 1/eta^(rungs-1) of the people, the last on all of them.
    public var rungs = 3
    /// The fewest validation cases a rung's share may hold: below it, scores are mostly noise
    /// and good configurations are dropped by chance, so the search starts at a larger share
    /// with fewer rungs (`ModelSearch.rungs(cases:options:)`). A rung's noise shrinks as one
    /// over the square root of its cases, so 300 has 58% of the noise of 100. At 100, Online
    /// Retail's first rung (114 cases) ranked eleventh of twelve the ALS configuration that
    /// `--tune` chose on all 1,036, and the default ended 4.7% and 5.3% below it on the test
    /// period's NDCG (two builds); at 300 the search starts from a third of the people and its
    /// winner is above it (docs/benchmarks.md).
    public var minimumCasesPerRung = 300
    /// The trend weights every personalized configuration is scored under (`TrendBlendModel`;
    /// 0 is the model alone). They cost evaluations, not fits: each fit is scored once per
    /// weight, and the configuration counts with its best. `--tune` tries the same.
    public var trendWeights: [Double] = ModelSearchOptions.defaultTrendWeights
    public static let defaultTrendWeights: [Double] = [0, 0.25, 0.5, 1]

    public init() {}
}

/// One configuration fitted and scored during the search.
public struct SearchTrial: Sendable, Codable {
    public var algorithm: String
    public var parameters: [String: Double]
    /// The share of people (training rows and validation cases) it was fitted and scored on.
    public var share: Double
    public var users: Int
    public var ndcg: Double
    public var recall: Double
    public var seconds: Double
    /// The fit's scores under each trend weight tried, in order; `parameters` holds the best
    /// one's weight (absent when it was 0) and `ndcg` and `recall` are its scores.
    public var trendWeights: [TrendWeightScore] = []
}

/// One fitted configuration scored with one trend weight.
public struct TrendWeightScore: Sendable, Codable {
    public var weight: Double
    public var ndcg: Double
    public var recall: Double
}

/// What the search did, kept in the chosen model's metrics and shown by `kindred train`.
public struct SearchReport: Sendable, Codable {
    public var method: String
    public var winner: String
    public var winnerParameters: [String: Double]
    public var configurations: Int
    /// Configurations left out before starting, to keep the plan within the budget.
    public var leftOut: Int
    public var fits: Double
    public var seconds: Double
    public var trials: [SearchTrial]
    /// The time budget in seconds (the multiple times the estimated full fit), when there was one.
    public var timeBudgetSeconds: Double?
    /// Trials the time budget left out (configurations of the first rung not tried, and
    /// survivors not carried to a later rung).
    public var cutForTime: Int = 0
}

extension SearchReport {
    /// The report as the model's `metrics` keep it (snake_case, like every metric there).
    var metricsObject: [String: any Sendable] {
        [
            "method": method, "winner": winner, "winner_parameters": winnerParameters.mapValues { $0 as any Sendable },
            "configurations": configurations, "left_out": leftOut, "fits": fits, "seconds": seconds,
            "time_budget_seconds": timeBudgetSeconds.map { $0 as any Sendable } ?? NSNull(), "cut_for_time": cutForTime,
            "trials": trials.map { trial -> [String: any Sendable] in
                [
                    "algorithm": trial.algorithm, "parameters": trial.parameters.mapValues { $0 as any Sendable }, "share": trial.share,
                    "users": trial.users, "ndcg": trial.ndcg, "recall": trial.recall, "seconds": trial.seconds,
                    "trend_weights": trial.trendWeights.map { score -> [String: any Sendable] in
                        ["weight": score.weight, "ndcg": score.ndcg, "recall": score.recall]
                    },
                ]
            },
        ]
    }
}

/// Successive halving (Jamieson and Talwalkar, 2016) over algorithms and hyper-parameters, with
/// people as the resource: every configuration is fitted on a ninth of the people and scored on
/// their validation cases, the best third goes on to a third of the people, and the best third
/// of those to everyone. Bad configurations are dropped after costing a ninth of a fit; the
/// last rung compares the survivors on the whole validation split, and its best is the winner.
///
/// People are chosen by a hash of their row and the seed, so each rung's people include the
/// previous rung's and the same seed gives the same search.
enum ModelSearch {
    /// The documented space of each algorithm: the values the search tries (defaults included).
    static func space(_ algorithm: String) -> [AlgorithmSpec] {
        func grid(_ axes: [(String, [Double])]) -> [AlgorithmSpec] { TuningGrid.grid(AlgorithmSpec(name: algorithm), axes) }
        switch algorithm {
        case "hybrid", "als":
            return grid([("factors", [32, 64, 128]), ("regularization", [0.1, 1]), ("alpha", [1, 10])])
        case "item-knn-bm25", "item-knn-cosine", "content":
            return grid([("neighbours", [20, 50, 100, 200])])
        case "ease":
            return grid([("regularization", [100, 250, 500, 1000, 2500])])
        case "bpr":
            return grid([("factors", [32, 64]), ("learning_rate", [0.01, 0.05]), ("epochs", [20, 50])])
        case "ncf":
            return grid([("learning_rate", [0.05, 0.01]), ("regularization", [0.001, 0.01]), ("epochs", [10, 20])])
        default:
            return [AlgorithmSpec(name: algorithm)]
        }
    }

    /// The configurations to try, within the budget: each algorithm's space, its defaults first;
    /// when successive halving over all of them would cost more fits than the budget, every
    /// algorithm keeps its defaults and the rest are dropped evenly across algorithms (the last
    /// values of each space first) until it fits.
    static func plan(algorithms: [String], items: Int, options: ModelSearchOptions) -> (configurations: [AlgorithmSpec], leftOut: Int) {
        var spaces = algorithms.map { name -> [AlgorithmSpec] in
            let defaults = AlgorithmSpec(name: name).normalized
            let space = Self.space(name).map(\.normalized)
            return [defaults] + space.filter { $0 != defaults }
        }
        spaces = zip(algorithms, spaces).compactMap { name, space in
            (try? AlgorithmSpec(name: name).make(threads: 1, items: items)) == nil ? nil : space
        }
        let all = spaces.reduce(0) { $0 + $1.count }
        while cost(configurations: spaces.reduce(0) { $0 + $1.count }, options: options) > options.budget,
            let longest = spaces.indices.max(by: { spaces[$0].count < spaces[$1].count }), spaces[longest].count > 1
        {
            spaces[longest].removeLast()
        }
        // Interleaved (every algorithm's defaults, then every algorithm's second value, ...):
        // a tie goes to the earlier configuration, and no algorithm's whole space should come
        // before another's defaults.
        var configurations: [AlgorithmSpec] = []
        for position in 0..<(spaces.map(\.count).max() ?? 0) {
            for space in spaces where position < space.count { configurations.append(space[position]) }
        }
        return (configurations, all - configurations.count)
    }

    /// Fits successive halving spends on `configurations`.
    static func cost(configurations: Int, options: ModelSearchOptions) -> Double {
        var remaining = configurations
        var total = 0.0
        for rung in 0..<options.rungs {
            total += Double(remaining) * share(rung: rung, options: options)
            remaining = max(1, Int((Double(remaining) / Double(options.eta)).rounded(.up)))
        }
        return total
    }

    /// As many of `options.rungs` as keep the first rung's share at `minimumCasesPerRung`
    /// validation cases or more (at least one rung: everyone).
    static func rungs(cases: Int, options: ModelSearchOptions) -> Int {
        var rungs = max(1, options.rungs)
        while rungs > 1, Double(cases) * pow(Double(options.eta), Double(1 - rungs)) < Double(options.minimumCasesPerRung) {
            rungs -= 1
        }
        return rungs
    }

    static func share(rung: Int, options: ModelSearchOptions) -> Double {
        pow(Double(options.eta), Double(rung - (options.rungs - 1)))
    }

    /// Runs the search on `split` and returns the winner, its metrics and the model fitted on
    /// the split's whole training part (what the activation rule and the bias audit read).
    static func run(
        on split: TimeSplit, items: Int, options: ModelSearchOptions, k: Int, threads: Int, seed: UInt64, memo: ContentMemo,
        stages: (any RecommenderModel) -> EvaluationStages, progress: (String) -> Void
    ) throws -> (winner: AlgorithmSpec, metrics: RankingMetrics, model: any RecommenderModel, report: SearchReport) {
        let started = WallClock.monotonicSeconds()
        var options = options
        options.rungs = rungs(cases: split.evaluation.cases.count, options: options)
        let (configurations, leftOut) = plan(algorithms: options.algorithms, items: items, options: options)
        guard !configurations.isEmpty else {
            throw DataError(file: "", field: "algorithm", message: "no algorithm of \(options.algorithms) fits this catalog")
        }
        var survivors = configurations
        var trials: [SearchTrial] = []
        var fits = 0.0
        var clock = SearchClock(started: started, multiple: options.timeBudget, floor: options.timeBudgetFloor)
        // Only the leader of the last rung keeps its model: a rung of dozens of models held
        // together would multiply the search's memory by as many.
        var best: (spec: AlgorithmSpec, metrics: RankingMetrics, model: any RecommenderModel)?
        for rung in 0..<options.rungs {
            let share = share(rung: rung, options: options)
            let last = rung == options.rungs - 1
            let evaluation = last ? split.evaluation : subsample(split.evaluation, share: share, seed: seed)
            var scored: [(spec: AlgorithmSpec, metrics: RankingMetrics)] = []
            for (place, spec) in survivors.enumerated() {
                // The leader's final fit is what the search cannot do without; a trial that would
                // leave no time for it is not started. A rung's first (the previous rung's best,
                // survivors being in order) always runs, so the leader reaches the last rung.
                let leader = scored.max { ($0.metrics.ndcg, $0.metrics.recall) < ($1.metrics.ndcg, $1.metrics.recall) }?.spec ?? spec
                let reserve = last ? 0 : clock.estimate(leader, share: 1)
                if place > 0, !clock.allows(clock.estimate(spec, share: share) + reserve, now: WallClock.monotonicSeconds()) {
                    clock.cut += 1
                    continue
                }
                progress("searching: \(spec.name) \(describe(spec.parameters)) on \(percent(share)) of the people")
                let trialStarted = WallClock.monotonicSeconds()
                let fitted = try spec.withoutTrend.make(threads: threads, seed: seed, memo: memo).fit(evaluation.train)
                let scoredWeights = blended(fitted, spec: spec, on: evaluation, weights: options.trendWeights) { model in
                    Evaluator.evaluate(model, on: evaluation, k: k, threads: threads, stages: stages(model))
                }
                let (weighted, metrics, model) = scoredWeights.best
                fits += share
                let seconds = WallClock.monotonicSeconds() - trialStarted
                clock.record(spec, seconds: seconds, share: share)
                var trial = SearchTrial(
                    algorithm: spec.name, parameters: weighted.parameters, share: share, users: metrics.users, ndcg: metrics.ndcg,
                    recall: metrics.recall, seconds: seconds)
                trial.trendWeights = scoredWeights.all
                trials.append(trial)
                // Best first: NDCG, then recall, then the earlier configuration (defaults lead).
                if last, best == nil || (metrics.ndcg, metrics.recall) > (best!.metrics.ndcg, best!.metrics.recall) {
                    best = (weighted, metrics, model)
                }
                // A configuration goes on to the next rung as fitted, without its weight: the
                // weights are tried again there, on more people.
                scored.append((spec, metrics))
            }
            if !last {
                let ranked = scored.enumerated().sorted { a, b in
                    (a.element.metrics.ndcg, a.element.metrics.recall, -a.offset) > (
                        b.element.metrics.ndcg, b.element.metrics.recall, -b.offset
                    )
                }.map(\.element)
                survivors = ranked.prefix(max(1, Int((Double(ranked.count) / Double(options.eta)).rounded(.up)))).map(\.spec)
            }
        }
        let winner = best!
        var method =
            "successive halving over people (eta \(options.eta), \(options.rungs) \(options.rungs == 1 ? "rung" : "rungs") from \(percent(share(rung: 0, options: options))) of the people), budget \(options.budget.formatted()) fits"
        if let multiple = options.timeBudget, let seconds = clock.budgetSeconds {
            method +=
                " and \(multiple.formatted()) x one fit's time, at least \(options.timeBudgetFloor.formatted()) s (\(seconds.formatted(.number.precision(.fractionLength(1)))) s)"
        }
        var report = SearchReport(
            method: method, winner: winner.spec.name, winnerParameters: winner.spec.parameters, configurations: configurations.count,
            leftOut: leftOut, fits: fits, seconds: WallClock.monotonicSeconds() - started, trials: trials)
        report.timeBudgetSeconds = clock.budgetSeconds
        report.cutForTime = clock.cut
        return (winner.spec, winner.metrics, winner.model, report)
    }

    /// `fitted` (a fit of `spec.withoutTrend`) blended with the trend under each of `weights`
    /// (0: alone) for the algorithms a trend blends with; the others are scored alone. The best
    /// (NDCG, then recall, then the earlier weight) with its spec and model, and every weight's
    /// scores when there was more than one.
    static func blended(
        _ fitted: any RecommenderModel, spec: AlgorithmSpec, on evaluation: EvaluationSet, weights: [Double],
        evaluate: (any RecommenderModel) -> RankingMetrics
    ) -> (best: (spec: AlgorithmSpec, metrics: RankingMetrics, model: any RecommenderModel), all: [TrendWeightScore]) {
        let tried = AlgorithmSpec.blendable.contains(spec.name) && !weights.isEmpty ? weights : [0]
        var best: (spec: AlgorithmSpec, metrics: RankingMetrics, model: any RecommenderModel)?
        var all: [TrendWeightScore] = []
        var blend: TrendBlendModel?
        for weight in tried {
            var model: any RecommenderModel = fitted
            if weight > 0 {
                // One blend per fit, its copies sharing the base's candidates per person.
                blend =
                    blend?.reweighted(Float(weight))
                    ?? TrendBlendModel(base: fitted, trending: evaluation.train.recentActivity, weight: Float(weight))
                    .rememberingCandidates()
                model = blend!
            }
            let metrics = evaluate(model)
            if tried.count > 1 { all.append(TrendWeightScore(weight: weight, ndcg: metrics.ndcg, recall: metrics.recall)) }
            if best == nil || (metrics.ndcg, metrics.recall) > (best!.metrics.ndcg, best!.metrics.recall) {
                var weighted = spec.withoutTrend
                if weight > 0 { weighted.parameters[AlgorithmSpec.trendWeight] = weight }
                best = (weighted, metrics, model)
            }
        }
        return (best!, all)
    }

    /// The evaluation restricted to a share of the people: their training rows and their cases
    /// (every other row emptied, so indices stay those of the full data).
    static func subsample(_ evaluation: EvaluationSet, share: Double, seed: UInt64) -> EvaluationSet {
        let interactions = evaluation.train.interactions
        let threshold = UInt64(min(1, max(0, share)) * Double(UInt64.max))
        func kept(_ row: Int) -> Bool { mix(UInt64(row) &+ seed &* 0x9E37_79B9_7F4A_7C15) <= threshold }
        var rowStarts = [0]
        var columns: [Int32] = []
        var values: [Float] = []
        for row in 0..<interactions.rows {
            if kept(row) {
                let range = interactions.rowStarts[row]..<interactions.rowStarts[row + 1]
                columns.append(contentsOf: interactions.columnIndices[range])
                values.append(contentsOf: interactions.values[range])
            }
            rowStarts.append(columns.count)
        }
        let matrix = SparseMatrix(
            rows: interactions.rows, columns: interactions.columns, rowStarts: rowStarts, columnIndices: columns, values: values)
        // Trend (recent activity) stays the whole shop's: it is a fact about the items, which
        // a blended configuration reads as serving does.
        let train = TrainingSet(interactions: matrix, recentActivity: evaluation.train.recentActivity, itemText: evaluation.train.itemText)
        return EvaluationSet(train: train, cases: evaluation.cases.filter { kept($0.user) })
    }

    /// SplitMix64's finalizer: a well-spread hash of a row number.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func describe(_ parameters: [String: Double]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.formatted())" }.joined(separator: ",")
    }

    private static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
}

/// What the scheduler's next run trains: the search's last winner again, hourly, until the
/// search is a day old, then a new search; a configuration a person named, always that.
enum SearchSchedule: Equatable {
    case search
    case refit(AlgorithmSpec, searchedMs: Int64?)

    /// How old a search may grow before the scheduler runs it again.
    static let researchAfterMs: Int64 = 24 * 3_600_000

    static func next(active: ModelVersionRecord?, nowMs: Int64) -> SearchSchedule {
        guard let active, let spec = try? StoredSpec.spec(of: active) else { return .search }
        let metrics = (try? JSONSerialization.jsonObject(with: Data(active.metrics.utf8))) as? [String: Any] ?? [:]
        guard metrics["chosen_by"] as? String == "search" else { return .refit(spec, searchedMs: nil) }
        let searchedMs = (metrics["searched_ms"] as? NSNumber)?.int64Value ?? active.createdMs
        return nowMs - searchedMs >= researchAfterMs ? .search : .refit(spec, searchedMs: searchedMs)
    }
}
