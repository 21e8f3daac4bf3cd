import Foundation
import KindredLearning
import KindredStore

/// What `kindred audit bias` asks for.
public struct BiasAuditOptions: Sendable {
    /// The version to audit; nil for the active one.
    public var version: Int64?
    public var k = 10
    public var testDays = 30
    /// Groups of people smaller than this are reported but left out of the gaps.
    public var minimumPeople = 20
    public var resamples = 1_000
    public var seed: UInt64 = 1
    public var threads = 2

    public init(version: Int64? = nil) {
        self.version = version
    }

    public func validate() throws {
        if !(1...100).contains(k) { throw RequestProblem(.invalid, code: "invalid_k", message: "k is 1 to 100, not \(k)", field: "k") }
        if !(1...365).contains(testDays) {
            throw RequestProblem(
                .invalid, code: "invalid_test_days", message: "test days are 1 to 365, not \(testDays)", field: "test-days")
        }
        if !(1...1_000_000).contains(minimumPeople) {
            throw RequestProblem(
                .invalid, code: "invalid_minimum", message: "the smallest group counted is 1 to 1000000 people, not \(minimumPeople)",
                field: "min-people")
        }
        if !(100...100_000).contains(resamples) {
            throw RequestProblem(
                .invalid, code: "invalid_resamples", message: "resamples is 100 to 100000, not \(resamples)", field: "resamples")
        }
    }
}

/// A model version's bias report: who and what its lists favour, and for whom it works worse.
public struct BiasReport: Sendable, Equatable, Codable {
    public var version: Int64
    public var algorithm: String
    public var k: Int
    /// `time` (the last test days held out) or `leave-last-out`, as `kindred evaluate` splits.
    public var split: String
    public var cut: String
    public var testDays: Int
    public var people: Int
    public var items: Int
    /// The re-ranking the lists went through, as serving applies it.
    public var reranking: String
    /// By grouping of items (category, price_band, item_age, popularity_decile).
    public var exposure: [String: [GroupExposure]]
    public var popularity: PopularityBias
    /// By grouping of people (device, country, tenure).
    public var accuracyGaps: [AccuracyGap]
    public var methods: [String: String]
    public var seconds: Double
}

extension Engine {
    /// Audits a model version as `kindred evaluate` measures one: its algorithm and parameters
    /// fitted on everything before the last `testDays`, its lists (with the shop's re-ranking)
    /// for the people who then wanted something, measured by item group and by group of people.
    /// The report is stored with the version (replacing an earlier audit) and audited.
    public func auditBias(_ options: BiasAuditOptions) throws -> BiasReport {
        try options.validate()
        let started = WallClock.monotonicSeconds()
        guard
            let record = try database.writer.read({ db in
                try options.version.map { try ModelRegistry.record(version: $0, in: db) } ?? ModelRegistry.active(in: db)
            })
        else {
            throw RequestProblem(
                .notFound, code: "no_model",
                message: options.version.map { "no model version \($0)" } ?? "no active model; train one with `kindred train`",
                field: "model")
        }
        let spec = try StoredSpec.spec(of: record)
        var evaluation = EvaluationOptions()
        evaluation.testDays = options.testDays
        evaluation.k = options.k
        evaluation.withSequences = Set([spec.sequenceGrouping].compactMap { $0 })
        let data = try TrainingData.load(
            from: database, includeAnonymousSessions: true, withSessions: !evaluation.withSequences.isEmpty)
        guard let split = TimeSplit.evaluable(data, options: evaluation), !split.evaluation.cases.isEmpty else {
            throw DataError(
                file: database.path, message: "nothing to audit: no one has a relevant event after earlier history (try --test-days)")
        }
        try spec.checkFits(items: data.catalog.itemPKs.count, database: database.path)
        let model = try spec.make(threads: options.threads, seed: 42).fit(split.evaluation.train)
        var report = try biasReport(
            of: model, version: record.version, algorithm: record.algorithm, data: data, split: split, options: options)
        report.seconds = WallClock.monotonicSeconds() - started
        try database.writer.write { db in
            try ModelBiasReports.save(version: record.version, report: try report.storedJSON(), in: db, nowMs: clock.now())
            try AuditLog.append(
                action: "audit_bias", actor: actor,
                details: [
                    "version": record.version, "people": report.people, "k": options.k, "exposure_gini": report.popularity.exposureGini,
                    "largest_ndcg_gap": report.largestNDCGGap,
                ],
                in: db, nowMs: clock.now())
        }
        return report
    }
}

extension Engine {
    /// The bias report of a model fitted on `split`'s training part: its lists (with the shop's
    /// re-ranking) for the split's people, by item group and by group of people. Shared by
    /// `auditBias` and by training, which reports on the model it validated.
    func biasReport(
        of model: any RecommenderModel, version: Int64, algorithm: String, data: TrainingData, split: TimeSplit, options: BiasAuditOptions
    ) throws -> BiasReport {
        let started = WallClock.monotonicSeconds()
        let (shop, segmentOf) = try database.writer.read { db in
            let keys = Dictionary(uniqueKeysWithValues: try SegmentStore.liveSegments(in: db).map { ($0.pk, $0.key) })
            return (try ServingSettings.read(in: db), try SegmentStore.clusterMembership(in: db).compactMapValues { keys[$0] })
        }
        let popularity = Evaluator.distinctUsers(split.evaluation.train.interactions)
        let groups = ItemGroups(data).withLongTail(popularity: popularity)
        let stages = EvaluationStages(
            rerankers: ServingPipeline.rerankers(settings: shop, groups: groups, similarity: groups.similarity(for: model)))
        let cases = split.evaluation.cases
        let lists = Evaluator.rankedLists(model, on: split.evaluation, k: options.k, threads: options.threads, stages: stages)
        let relevant = cases.map(\.relevant)
        let exposure = ExposureAudit.exposure(lists: lists, items: data.catalog.count)
        var byItemGroup: [String: [GroupExposure]] = [:]
        for grouping in BiasGroupings.items(data, popularity: popularity, cutMs: split.cutMs) {
            byItemGroup[grouping.name] = ExposureAudit.groups(grouping, exposure: exposure, relevant: relevant)
        }
        let scores = zip(lists, relevant).map { UserRankingScores(ranked: $0, relevant: $1, k: options.k) }
        // Equal opportunity: of each person's held-out items, how many their list of k found.
        let hits = zip(lists, relevant).map { list, held in list.prefix(options.k).reduce(0) { $0 + (held.contains($1) ? 1 : 0) } }
        let positives = relevant.map(\.count)
        // Demographic parity: of each person's places, how many hold a long-tail item.
        let places = lists.map { min(options.k, $0.count) }
        let selected = lists.map { list in
            list.prefix(options.k).reduce(0) { $0 + ($1 < groups.longTail.count && groups.longTail[$1] ? 1 : 0) }
        }
        let gaps = BiasGroupings.people(data, users: cases.map(\.user), cutMs: split.cutMs, segmentOf: segmentOf).map { grouping in
            AccuracyGaps.gap(
                grouping, recall: scores.map(\.recall), ndcg: scores.map(\.ndcg), hits: hits, positives: positives, selected: selected,
                places: places,
                minimumPeople: options.minimumPeople, resamples: options.resamples, seed: options.seed)
        }
        return BiasReport(
            version: version, algorithm: algorithm, k: options.k, split: split.method,
            cut: TimestampFormatter.iso8601(milliseconds: split.cutMs), testDays: options.testDays, people: cases.count,
            items: data.catalog.count, reranking: shop.description, exposure: byItemGroup,
            popularity: ExposureAudit.popularityBias(lists: lists, popularity: popularity), accuracyGaps: gaps,
            methods: BiasGroupings.methods(resamples: options.resamples), seconds: WallClock.monotonicSeconds() - started)
    }
}

extension BiasReport {
    /// As stored in model_bias_reports (snake_case keys, sorted), which the model_history view reads.
    func storedJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func fromStored(_ json: String) -> BiasReport? {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(BiasReport.self, from: Data(json.utf8))
    }

    /// The largest NDCG gap between groups of people of any grouping.
    var largestNDCGGap: Double { accuracyGaps.map(\.ndcgGap).max() ?? 0 }
}
