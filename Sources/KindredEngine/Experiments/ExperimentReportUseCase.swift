import Foundation
import KindredLearning
import KindredStore

/// `kindred experiments report KEY` and `GET /v1/experiments/{key}/report`.
public struct ExperimentReport: Sendable, Codable, Equatable {
    /// One metric of one variant: the control's has its mean only.
    public struct Metric: Sendable, Codable, Equatable {
        public var mean: Double
        public var absolute: EffectEstimate?
        public var relative: EffectEstimate?
        public var adjustedPValue: Double?
        /// Share of the effect's variance that CUPED removed, when it was applied.
        public var cupedVarianceReduction: Double?
        /// The always-valid test's view, whatever the mode: safe to act on at any look.
        public var sequential: Sequential?
        public var problem: String?
    }

    public struct Sequential: Sendable, Codable, Equatable {
        public var pValue: Double
        public var significant: Bool
    }

    public struct Variant: Sendable, Codable, Equatable {
        public var variant: String
        public var strategy: String
        public var people: Int
        public var metrics: [String: Metric]
    }

    /// The same report for one group of people (`--by device`).
    public struct Group: Sendable, Codable, Equatable {
        public var by: String
        public var value: String
        public var srm: SampleRatioMismatch
        public var variants: [Variant]
        public var summary: [String]
    }

    public var experiment: String
    public var status: String
    public var srm: SampleRatioMismatch
    public var mode: ExperimentStatistics.Mode
    public var level: Double
    public var correction: MultipleComparisonCorrection
    public var windowDays: Double
    public var variants: [Variant]
    /// How each metric is defined and tested.
    public var methods: [String: String]
    public var summary: [String]
    public var groups: [Group]?
    public var computedAt: String
}

public struct ReportRequest: Sendable, Equatable {
    public enum Breakdown: String, Sendable, CaseIterable { case device, country, segment }

    public var options = ExperimentStatistics.Options()
    /// The days after each person's first exposure that count (and as many before, for CUPED).
    public var windowDays = 7.0
    public var cuped = true
    public var by: Breakdown?

    public init() {}

    public func check() throws {
        try AnalysisRequest(options: options).validate()
        guard windowDays >= 1.0 / 24, windowDays <= 366 else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "a window of 1 hour to 366 days", field: "window")
        }
    }
}

extension Engine {
    /// The metrics, in the order reports list them.
    static let reportMetrics: [(key: String, kind: ExperimentStatistics.MetricKind, method: String)] = [
        ("ctr", .ratio, "clicks on the experiment's recommendations per item shown, per person by the delta method"),
        ("conversion", .proportion, "share of people who bought within the window"),
        ("add_to_cart_rate", .proportion, "share of people who added to the cart within the window"),
        ("revenue_per_person", .mean, "purchases minus returns per person within the window"),
        ("dwell_per_view", .ratio, "seconds of dwell per dwell record, per person by the delta method"),
        ("items_per_order", .ratio, "items bought per order (a session with a purchase), per person by the delta method"),
    ]

    /// Each variant's people and metrics from the events after their first exposure, with the
    /// sample ratio check first. Stores the result for the `experiment_results` view.
    public func experimentReport(key: String, request: ReportRequest = ReportRequest()) throws -> ExperimentReport {
        try request.check()
        let now = clock.now()
        let windowMs = Int64(request.windowDays * 86_400_000)
        let (experiment, people) = try database.writer.read { db -> (ExperimentStore.Experiment, [ExperimentOutcomes.Person]) in
            guard let experiment = try ExperimentStore.experiment(key: key, in: db) else {
                throw RequestProblem(.notFound, code: "unknown_experiment", message: "no experiment '\(key)'", field: "key")
            }
            guard experiment.status != "draft" else {
                throw RequestProblem(.conflict, code: "experiment_not_started", message: "'\(key)' has not started; nothing to report", field: "key")
            }
            let until = experiment.stoppedMs.map { $0 + windowMs } ?? now
            return (
                experiment,
                try ExperimentOutcomes.people(
                    experimentPK: experiment.experimentPK, experimentKey: key, windowMs: windowMs, untilMs: min(until, now), in: db)
            )
        }
        let whole = Self.analyse(people: people, experiment: experiment, request: request)
        var groups: [ExperimentReport.Group]?
        if let by = request.by {
            var values: [String: [ExperimentOutcomes.Person]] = [:]
            for person in people {
                switch by {
                case .device: values[person.device ?? "unknown", default: []].append(person)
                case .country: values[person.country ?? "unknown", default: []].append(person)
                case .segment:
                    if person.segments.isEmpty { values["none", default: []].append(person) }
                    for segment in person.segments { values[segment, default: []].append(person) }
                }
            }
            groups = values.keys.sorted().map { value in
                let part = Self.analyse(people: values[value]!, experiment: experiment, request: request)
                return ExperimentReport.Group(by: by.rawValue, value: value, srm: part.srm, variants: part.variants, summary: part.summary)
            }
        }
        let report = ExperimentReport(
            experiment: key, status: experiment.status, srm: whole.srm, mode: request.options.mode, level: request.options.level,
            correction: request.options.correction, windowDays: request.windowDays, variants: whole.variants,
            methods: whole.methods, summary: whole.summary, groups: groups, computedAt: TimestampFormatter.iso8601(milliseconds: now))
        try storeReport(report, experimentPK: experiment.experimentPK, now: now)
        return report
    }

    /// Recomputes (and stores) the report of every running experiment, as the scheduler does
    /// each hour; returns the ones that failed, with why.
    public func refreshExperimentReports() -> [(String, String)] {
        guard let running = try? database.writer.read({ db in try ExperimentStore.running(in: db) }) else { return [] }
        var failures: [(String, String)] = []
        for experiment in running {
            do { _ = try experimentReport(key: experiment.key) } catch { failures.append((experiment.key, "\(error)")) }
        }
        return failures
    }

    private func storeReport(_ report: ExperimentReport, experimentPK: Int64, now: Int64) throws {
        var rows: [ExperimentOutcomes.ReportRow] = []
        for variant in report.variants {
            for (metric, value) in variant.metrics.sorted(by: { $0.key < $1.key }) {
                func numbers(_ e: EffectEstimate?) -> [Double]? { e.map { [$0.effect, $0.ciLow, $0.ciHigh, $0.pValue] } }
                rows.append(
                    .init(
                        variant: variant.variant, metric: metric, people: variant.people, mean: value.mean.isFinite ? value.mean : nil,
                        absolute: numbers(value.absolute), relative: numbers(value.relative),
                        method: value.cupedVarianceReduction != nil ? "welch_t+cuped" : report.methods[metric].flatMap(Self.testName) ?? "",
                        cupedReduction: value.cupedVarianceReduction, adjustedPValue: value.adjustedPValue,
                        sequentialPValue: value.sequential?.pValue))
            }
        }
        try database.writer.write { db in
            try ExperimentOutcomes.storeReport(
                experimentPK: experimentPK, rows: rows, srmPValue: report.srm.pValue, level: report.level, nowMs: now, in: db)
        }
    }

    /// The test's name in a method description ("...; welch_t ...").
    static func testName(_ description: String) -> String? {
        ComparisonMethod.allCases.map(\.rawValue).first { description.contains("; " + $0) }
    }

    struct Analysed {
        var srm: SampleRatioMismatch
        var variants: [ExperimentReport.Variant]
        var summary: [String]
        /// Per metric, the test that produced its numbers here (CUPED turns a proportion into
        /// an adjusted mean, tested with Welch's t).
        var methods: [String: String]
    }

    static func analyse(people: [ExperimentOutcomes.Person], experiment: ExperimentStore.Experiment, request: ReportRequest) -> Analysed {
        let names = experiment.variants.map(\.name)
        let byVariant = Dictionary(grouping: people, by: \.variant)
        let counts = names.map { Double(byVariant[$0]?.count ?? 0) }
        let srm = SampleRatioMismatch.test(counts: counts, weights: experiment.variants.map(\.weight))
        var variants = experiment.variants.map { variant in
            ExperimentReport.Variant(
                variant: variant.name, strategy: ServingStrategy.of(variant).description, people: byVariant[variant.name]?.count ?? 0,
                metrics: [:])
        }
        var metricResults: [ExperimentStatistics.MetricResult] = []
        var reductions: [String: [Double]] = [:]
        var methods: [String: String] = [:]
        for metric in reportMetrics {
            var arms: [(name: String, summary: ArmSummary)] = []
            var paired: [PairedMoments] = []
            for name in names {
                var moments = PairedMoments()
                for person in byVariant[name] ?? [] {
                    let (x, y) = value(metric.key, person)
                    moments.add(x: x, y: y)
                }
                paired.append(moments)
            }
            var kind = metric.kind
            switch metric.kind {
            case .ratio:
                arms = zip(names, paired).map { ($0, RatioMetric.arm($1)) }
            case .mean, .proportion:
                let covariates = zip(names, paired).map { name, _ -> PairedMoments in
                    var moments = PairedMoments()
                    for person in byVariant[name] ?? [] { moments.add(x: value(metric.key, person).x, y: preValue(metric.key, person)) }
                    return moments
                }
                let usable = request.cuped && covariates.allSatisfy({ $0.count >= 2 }) && covariates.reduce(PairedMoments(), +).y.variance > 0
                if usable {
                    let adjusted = CUPED.adjust(covariates)
                    arms = zip(names, adjusted.arms).map { ($0, $1) }
                    reductions[metric.key] = adjusted.varianceReduction
                    kind = .mean  // an adjusted proportion is a mean: Welch's t, as GrowthBook does
                } else {
                    arms = zip(names, paired).map { name, moments in
                        metric.kind == .proportion ? (name, ArmSummary.proportion(people: moments.count, conversions: moments.x.sum)) : (name, moments.x.arm)
                    }
                }
            }
            var result = ExperimentStatistics.analyze(metric: metric.key, kind: kind, arms: arms, options: request.options)
            result.kind = metric.kind
            methods[metric.key] =
                "\(metric.method); \(result.method.rawValue)" + (reductions[metric.key] != nil ? " on CUPED-adjusted values (covariate: the same metric in the window before exposure)" : "")
            metricResults.append(result)
            for (index, variantResult) in result.variants.enumerated() {
                var entry = ExperimentReport.Metric(
                    mean: variantResult.mean, absolute: variantResult.absolute, relative: variantResult.relative,
                    adjustedPValue: variantResult.adjustedPValue, problem: variantResult.problem)
                if index > 0 {
                    entry.cupedVarianceReduction = reductions[metric.key]?[index - 1]
                    if let sequential = try? SequentialTest.compare(
                        control: arms[0].summary, treatment: arms[index].summary, level: request.options.level, tuning: request.options.tuning)
                    {
                        let p = (sequential.relative ?? sequential.absolute).pValue
                        entry.sequential = .init(pValue: p, significant: p < 1 - request.options.level)
                    }
                }
                variants[index].metrics[metric.key] = entry
            }
        }
        if request.options.correction != .none, request.options.correctionScope == .all {
            ExperimentStatistics.correctAcrossMetrics(&metricResults, request.options.correction)
            for result in metricResults {
                for (index, variantResult) in result.variants.enumerated() {
                    variants[index].metrics[result.metric]?.adjustedPValue = variantResult.adjustedPValue
                }
            }
        }
        var summary = sentences(metricResults, srm: srm, level: request.options.level, mode: request.options.mode)
        if counts.contains(where: { $0 < 2 }) {
            summary = ["Too few people exposed to compare yet (\(zip(names, counts).map { "\($0) \(Int($1))" }.joined(separator: ", ")))."]
        }
        return Analysed(srm: srm, variants: variants, summary: summary, methods: methods)
    }

    /// A person's value of a metric: (numerator, denominator) for ratios, (value, unused) otherwise.
    static func value(_ metric: String, _ person: ExperimentOutcomes.Person) -> (x: Double, y: Double) {
        let after = person.after
        switch metric {
        case "ctr": return (after.recommendationClicks, person.impressedItems)
        case "conversion": return (after.purchased ? 1 : 0, 0)
        case "add_to_cart_rate": return (after.addedToCart ? 1 : 0, 0)
        case "revenue_per_person": return (after.revenue, 0)
        case "dwell_per_view": return (after.dwellSeconds, after.dwellEvents)
        case "items_per_order": return (after.itemsBought, Double(after.orders.count))
        default: return (0, 0)
        }
    }

    /// The same metric in the window before exposure, CUPED's covariate.
    static func preValue(_ metric: String, _ person: ExperimentOutcomes.Person) -> Double {
        let before = person.before
        switch metric {
        case "conversion": return before.purchased ? 1 : 0
        case "add_to_cart_rate": return before.addedToCart ? 1 : 0
        case "revenue_per_person": return before.revenue
        default: return 0
        }
    }

    /// "personal beats control on conversion by 8% (95% CI 3% to 13%); keep running for ctr."
    static func sentences(
        _ results: [ExperimentStatistics.MetricResult], srm: SampleRatioMismatch, level: Double, mode: ExperimentStatistics.Mode
    ) -> [String] {
        guard let first = results.first, first.variants.count >= 2 else { return [] }
        if srm.flagged {
            return EffectSentence.sentences(metric: first.metric, variants: first.variants, srm: srm, level: level)
        }
        let control = first.variants[0].variant
        let percent = Int((level * 100).rounded())
        var lines: [String] = []
        for index in 1..<first.variants.count {
            let name = first.variants[index].variant
            var decided: [String] = []
            var open: [String] = []
            for result in results {
                let variant = result.variants[index]
                guard let estimate = variant.relative ?? variant.absolute, variant.problem == nil else {
                    open.append(result.metric)
                    continue
                }
                let p = variant.adjustedPValue ?? estimate.pValue
                if p < 1 - level {
                    let relative = variant.relative != nil
                    decided.append(
                        "\(estimate.effect > 0 ? "beats" : "trails") \(control) on \(result.metric) by \(EffectSentence.unsigned(estimate.effect, relative)) (\(percent)% CI \(EffectSentence.signed(estimate.ciLow, relative)) to \(EffectSentence.signed(estimate.ciHigh, relative)))"
                    )
                } else {
                    open.append(result.metric)
                }
            }
            var sentence = name + " "
            sentence += decided.isEmpty ? "shows no clear difference from \(control) yet" : decided.joined(separator: "; ")
            if !open.isEmpty { sentence += "; keep running for \(open.joined(separator: ", "))" }
            if mode == .fixed && !decided.isEmpty { sentence += " (fixed-horizon test: decide at the planned size, or use --sequential)" }
            lines.append(sentence + ".")
        }
        return lines
    }
}
