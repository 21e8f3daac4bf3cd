import Foundation
import KindredLearning
import KindredStore

/// What `kindred ranker train` did: the lists it learnt from, the boosting it ran, and whether
/// the trees now re-rank the active model's lists (only when they beat the candidates' own
/// order on the people held out).
public struct RankerReport: Sendable, Codable, Equatable {
    public var version: Int64
    public var algorithm: String
    public var split: String
    public var cutMs: Int64
    public var candidates: Int
    public var features: [String]
    public var evaluablePeople: Int
    public var droppedPeople: Int
    public var trainQueries: Int
    public var validationQueries: Int
    public var trainRows: Int
    public var settings: LambdaMARTSettings
    public var trees: Int
    public var roundsRun: Int
    /// NDCG@`settings.evaluationDepth` of the held-out lists in the model's order, and after
    /// re-ranking by the trees kept; LightGBM's definition (`RankingNDCG`).
    public var validationNDCGBefore: Double
    public var validationNDCGAfter: Double
    /// Held-out NDCG after each round, the curve early stopping read.
    public var validationCurve: [Double] = []
    public var fitSeconds: Double
    public var kept: Bool
    public var reason: String
    /// The stage's own time per list, in process: features, trees and sort over the held-out
    /// people's candidates (at most 1,000 lists), as serving runs it for a list of 10.
    public var stage: StageTiming?
    /// The method behind each number, as every report here says.
    public var method = "LambdaMART (lambdarank gradients, histogram trees grown leaf-wise), early stopping on validation NDCG"
    /// What the lists were (`impressions` or `purchases`) and why, for `--from auto`.
    public var source = RankerListSource.purchases
    public var sourceNote: String?
    /// Impressions only: the lists shown to known people after the cut, and the rows weighted
    /// by the inverse of the probability they were shown with.
    public var shownLists: Int?
    public var weightedRows = 0
    /// Impressions only: how much less often lower places are looked at, estimated from the
    /// explored draws (nil when too few had an outcome), and what the estimate rests on.
    public var positionBias: PositionBias?
    public var positionBiasNote: String?
    /// Impressions only: the largest weight a row could get (1: none weighted).
    public var propensityClip: Double?

    enum CodingKeys: String, CodingKey {
        case version, algorithm, split, cutMs = "cut_ms", candidates, features, evaluablePeople = "evaluable_people"
        case droppedPeople = "dropped_people", trainQueries = "train_queries", validationQueries = "validation_queries"
        case trainRows = "train_rows", settings, trees, roundsRun = "rounds_run"
        case validationNDCGBefore = "validation_ndcg_before", validationNDCGAfter = "validation_ndcg_after"
        case validationCurve = "validation_curve"
        case fitSeconds = "fit_seconds", kept, reason, method, stage
        case source, sourceNote = "source_note", shownLists = "shown_lists", weightedRows = "weighted_rows"
        case positionBias = "position_bias", positionBiasNote = "position_bias_note", propensityClip = "propensity_clip"
    }

}

extension RankerReport {
    /// Reports stored before a field was added decode with its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int64.self, forKey: .version)
        algorithm = try c.decode(String.self, forKey: .algorithm)
        split = try c.decode(String.self, forKey: .split)
        cutMs = try c.decode(Int64.self, forKey: .cutMs)
        candidates = try c.decode(Int.self, forKey: .candidates)
        features = try c.decode([String].self, forKey: .features)
        evaluablePeople = try c.decode(Int.self, forKey: .evaluablePeople)
        droppedPeople = try c.decode(Int.self, forKey: .droppedPeople)
        trainQueries = try c.decode(Int.self, forKey: .trainQueries)
        validationQueries = try c.decode(Int.self, forKey: .validationQueries)
        trainRows = try c.decode(Int.self, forKey: .trainRows)
        settings = try c.decode(LambdaMARTSettings.self, forKey: .settings)
        trees = try c.decode(Int.self, forKey: .trees)
        roundsRun = try c.decode(Int.self, forKey: .roundsRun)
        validationNDCGBefore = try c.decode(Double.self, forKey: .validationNDCGBefore)
        validationNDCGAfter = try c.decode(Double.self, forKey: .validationNDCGAfter)
        validationCurve = try c.decodeIfPresent([Double].self, forKey: .validationCurve) ?? []
        fitSeconds = try c.decode(Double.self, forKey: .fitSeconds)
        kept = try c.decode(Bool.self, forKey: .kept)
        reason = try c.decode(String.self, forKey: .reason)
        stage = try c.decodeIfPresent(StageTiming.self, forKey: .stage)
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? method
        // Rankers stored before logged lists could be learnt from were learnt from purchases.
        source = try c.decodeIfPresent(RankerListSource.self, forKey: .source) ?? .purchases
        sourceNote = try c.decodeIfPresent(String.self, forKey: .sourceNote)
        shownLists = try c.decodeIfPresent(Int.self, forKey: .shownLists)
        weightedRows = try c.decodeIfPresent(Int.self, forKey: .weightedRows) ?? 0
        positionBias = try c.decodeIfPresent(PositionBias.self, forKey: .positionBias)
        positionBiasNote = try c.decodeIfPresent(String.self, forKey: .positionBiasNote)
        propensityClip = try c.decodeIfPresent(Double.self, forKey: .propensityClip)
    }
}

/// Percentiles of the learned re-ranking stage's time per list.
public struct StageTiming: Sendable, Codable, Equatable {
    public var lists: Int
    public var candidates: Int
    public var p50Ms: Double
    public var p99Ms: Double
    public var maxMs: Double

    enum CodingKeys: String, CodingKey {
        case lists, candidates, p50Ms = "p50_ms", p99Ms = "p99_ms", maxMs = "max_ms"
    }

    /// Times `reranker` on each sample (after one unmeasured pass that warms caches).
    static func measure(_ reranker: LearnedReranker, on samples: [(query: RankingQuery, candidates: [RankedItem])]) -> StageTiming? {
        guard !samples.isEmpty else { return nil }
        for sample in samples.prefix(20) { _ = reranker.rerank(sample.candidates, count: 10, for: sample.query) }
        var timings: [Double] = []
        timings.reserveCapacity(samples.count)
        for sample in samples {
            let started = DispatchTime.now().uptimeNanoseconds
            _ = reranker.rerank(sample.candidates, count: 10, for: sample.query)
            timings.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
        }
        timings.sort()
        func percentile(_ p: Double) -> Double { timings[min(timings.count - 1, Int((p * Double(timings.count)).rounded(.up)) - 1)] }
        return StageTiming(
            lists: samples.count, candidates: samples.map(\.candidates.count).max() ?? 0, p50Ms: percentile(0.5), p99Ms: percentile(0.99),
            maxMs: timings.last!)
    }
}

/// A ranker as stored with the model version it re-ranks (artifact `ranker`, JSON): readable
/// with `sqlite3` and `kindred ranker show`.
public struct StoredRanker: Sendable, Codable, Equatable {
    public var features: [String]
    public var candidates: Int
    public var model: LambdaMARTModel
    public var report: RankerReport

    static let artifact = "ranker"
}

extension Engine {
    /// Learns a re-ranking of the active model's lists and stores it with that version when it
    /// beats the model's own order on the held-out people; the serving pipeline then re-ranks
    /// each personalized list's top candidates with it.
    public func trainRanker(_ options: RankerOptions, progress: (String) -> Void = { _ in }) throws -> RankerReport {
        let built = try rankerDataset(options, progress: progress)
        let (stored, report) = try fitRanker(built, options: options, progress: progress)
        let now = clock.now()
        try database.writer.write { db in
            if let stored { try Self.store(stored, version: built.modelVersion, in: db, nowMs: now) }
            try AuditLog.append(
                action: "ranker_train", actor: actor,
                details: [
                    "version": built.modelVersion, "kept": report.kept, "trees": report.trees, "ndcg_before": report.validationNDCGBefore,
                    "ndcg_after": report.validationNDCGAfter,
                ], in: db, nowMs: now)
        }
        return report
    }

    /// Boosts on the lists; returns the ranker to store (nil when it does not beat the model's
    /// order on the held-out lists) and the report either way.
    func fitRanker(_ built: RankerDataset, options: RankerOptions, progress: (String) -> Void) throws -> (StoredRanker?, RankerReport) {
        guard built.train.groupCount >= 10, built.validation.groupCount >= 2 else {
            let lists = built.train.groupCount + built.validation.groupCount
            let found =
                built.source == .impressions
                ? "\(lists) lists shown after the cut had both an item with an outcome and one without, among items the model knows"
                : "\(lists) people acted on one of their \(options.candidates) candidates after the cut (\(built.split))"
            throw DataError(
                file: database.path,
                message:
                    "too few lists to learn a ranking from: \(found); a ranker needs at least 12, 2 of them among the people held out"
            )
        }
        progress("boosting on \(built.train.groupCount) lists, stopping early on \(built.validation.groupCount)")
        let started = WallClock.monotonicSeconds()
        var settings = options.settings
        settings.workers = options.threads
        let fit = LambdaMART.train(built.train, validation: built.validation, settings: settings)
        let seconds = WallClock.monotonicSeconds() - started
        let before = fit.validationNDCGBefore ?? 0
        let after = fit.model.trees.isEmpty ? before : fit.validationNDCG[fit.model.trees.count - 1]
        let kept = !fit.model.trees.isEmpty && after > before
        let depth = settings.evaluationDepth
        let reason =
            kept
            ? String(format: "re-ranking lifts held-out NDCG@%d from %.4f to %.4f", depth, before, after)
            : String(
                format: "not kept: re-ranking does not beat the model's order on held-out NDCG@%d (%.4f, trees %.4f)", depth, before, after)
        var report = RankerReport(
            version: built.modelVersion, algorithm: built.spec.name, split: built.split, cutMs: built.cutMs, candidates: options.candidates,
            features: RerankerFeatures.names, evaluablePeople: built.evaluablePeople, droppedPeople: built.droppedPeople,
            trainQueries: built.train.groupCount, validationQueries: built.validation.groupCount, trainRows: built.train.rowCount,
            settings: settings, trees: fit.model.trees.count, roundsRun: fit.roundsRun, validationNDCGBefore: before,
            validationNDCGAfter: after, fitSeconds: seconds, kept: kept, reason: reason)
        report.validationCurve = fit.validationNDCG
        if built.train.isWeighted || built.validation.isWeighted {
            report.method +=
                "; rows weighted by 1 / (the probability an exploring list showed them with x their place's examination probability), at most \(built.propensityClip ?? 1), in the pairs and in held-out NDCG"
        }
        if built.source == .impressions {
            let (draws, followed) = built.exploredDraws
            report.positionBias = built.positionBias
            report.propensityClip = built.propensityClip
            report.positionBiasNote =
                built.positionBias.map {
                    String(
                        format:
                            "examination p^-%.2f (place 2 looked at %.0f%% as often as place 1, place 10 %.0f%%), from %d explored draws, %d with an outcome",
                        $0.eta, 100 * $0.examination(atPosition: 2), 100 * $0.examination(atPosition: 10), draws, followed)
                }
                ?? "places not corrected for: \(followed) of \(draws) explored draws had an outcome, and an estimate needs 30"
        }
        report.source = built.source
        report.sourceNote = built.sourceNote
        report.shownLists = built.shownLists
        report.weightedRows = built.weightedRows
        report.stage = StageTiming.measure(
            LearnedReranker(model: fit.model, facts: built.facts, candidates: options.candidates), on: built.stageSamples)
        let stored =
            kept ? StoredRanker(features: RerankerFeatures.names, candidates: options.candidates, model: fit.model, report: report) : nil
        return (stored, report)
    }

    /// Stores a ranker with a version, and tells a serving process holding that version to
    /// load it.
    static func store(_ ranker: StoredRanker, version: Int64, in db: StoreConnection, nowMs: Int64) throws {
        var ranker = ranker
        ranker.report.version = version
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try ModelRegistry.replaceArtifact(
            version: version, name: StoredRanker.artifact, encoding: "json", data: try encoder.encode(ranker), in: db)
        try SettingsStore.set("ranker.changed_ms", to: String(nowMs), in: db, nowMs: nowMs)
    }

    /// The boosting settings and candidates the ranker of `version` was learnt with, to learn
    /// the next version's alike; nil when the version has none.
    func storedRankerSettings(ofVersion version: Int64) throws -> (settings: LambdaMARTSettings, candidates: Int)? {
        try database.writer.read { db in
            guard let data = try ModelRegistry.readArtifact(version: version, name: StoredRanker.artifact, in: db),
                let stored = try? JSONDecoder().decode(StoredRanker.self, from: data)
            else { return nil }
            return (stored.report.settings, stored.candidates)
        }
    }

    /// The ranker stored with the active version (nil when it has none).
    public func activeRanker() throws -> StoredRanker? {
        try database.writer.read { db in
            guard let version = try ModelRegistry.activeVersion(in: db),
                let data = try ModelRegistry.readArtifact(version: version, name: StoredRanker.artifact, in: db)
            else { return nil }
            return try JSONDecoder().decode(StoredRanker.self, from: data)
        }
    }
}
