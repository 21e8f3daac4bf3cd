/// The statistics of one experiment, metric by metric: every treatment against the control,
/// by the method the metric and the options call for, corrections applied where asked.
public enum ExperimentStatistics {
    public enum MetricKind: String, Sendable, Codable, CaseIterable {
        /// A mean per person (revenue, dwell): Welch's t.
        case mean
        /// A share of people (conversion): the two-proportion z-test.
        case proportion
        /// A ratio of per-person sums (clicks per impression): the delta method, then Welch's t.
        case ratio
    }

    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Valid when looked at once, at the planned size.
        case fixed
        /// Valid however often it is looked at.
        case sequential
    }

    public enum CorrectionScope: String, Sendable, Codable, CaseIterable {
        /// Each metric's variants corrected among themselves.
        case metric
        /// Every variant of every metric corrected together.
        case all
    }

    public struct Options: Sendable, Equatable, Codable {
        public var level: Double
        public var mode: Mode
        public var tuning: Double
        public var correction: MultipleComparisonCorrection
        public var correctionScope: CorrectionScope

        public init(
            level: Double = 0.95, mode: Mode = .fixed, tuning: Double = SequentialTest.defaultTuning,
            correction: MultipleComparisonCorrection = .none, correctionScope: CorrectionScope = .metric
        ) {
            self.level = level
            self.mode = mode
            self.tuning = tuning
            self.correction = correction
            self.correctionScope = correctionScope
        }
    }

    /// One variant's figures; the control's have no effects.
    public struct VariantResult: Sendable, Equatable, Codable {
        public var variant: String
        public var people: Double
        public var mean: Double
        public var absolute: EffectEstimate?
        public var relative: EffectEstimate?
        /// The relative effect's p-value after the correction, when one is asked for.
        public var adjustedPValue: Double?
        /// Why there are no effects, when a treatment could not be compared.
        public var problem: String?
    }

    public struct MetricResult: Sendable, Equatable, Codable {
        public var metric: String
        public var kind: MetricKind
        public var method: ComparisonMethod
        public var variants: [VariantResult]
    }

    public static func method(for kind: MetricKind, mode: Mode) -> ComparisonMethod {
        if mode == .sequential { return .sequential }
        return kind == .proportion ? .twoProportionZ : .welchT
    }

    /// Compares each arm after the first (the control) with the first.
    public static func analyze(metric: String, kind: MetricKind, arms: [(name: String, summary: ArmSummary)], options: Options)
        -> MetricResult
    {
        precondition(arms.count >= 2, "a control and at least one treatment")
        let method = method(for: kind, mode: options.mode)
        let control = arms[0].summary
        var results = [VariantResult(variant: arms[0].name, people: control.people, mean: control.unadjustedMean)]
        for arm in arms.dropFirst() {
            var result = VariantResult(variant: arm.name, people: arm.summary.people, mean: arm.summary.unadjustedMean)
            do {
                let comparison =
                    method == .sequential
                    ? try SequentialTest.compare(control: control, treatment: arm.summary, level: options.level, tuning: options.tuning)
                    : try FixedHorizonTest.compare(control: control, treatment: arm.summary, method: method, level: options.level)
                result.absolute = comparison.absolute
                result.relative = comparison.relative
            } catch let problem as ComparisonProblem {
                result.problem = problem.description
            } catch {
                result.problem = "\(error)"
            }
            results.append(result)
        }
        var metricResult = MetricResult(metric: metric, kind: kind, method: method, variants: results)
        if options.correction != .none, options.correctionScope == .metric {
            correct(&metricResult.variants, options.correction)
        }
        return metricResult
    }

    /// Applies the correction across every metric's treatments together (scope `all`).
    public static func correctAcrossMetrics(_ metrics: inout [MetricResult], _ correction: MultipleComparisonCorrection) {
        var flat = metrics.flatMap(\.variants)
        correct(&flat, correction)
        var offset = 0
        for index in metrics.indices {
            let count = metrics[index].variants.count
            metrics[index].variants = Array(flat[offset..<offset + count])
            offset += count
        }
    }

    private static func correct(_ variants: inout [VariantResult], _ correction: MultipleComparisonCorrection) {
        let tested = variants.indices.filter { variants[$0].relative != nil || variants[$0].absolute != nil }
        let pValues = tested.map { (variants[$0].relative ?? variants[$0].absolute)!.pValue }
        for (index, adjusted) in zip(tested, correction.adjust(pValues)) { variants[index].adjustedPValue = adjusted }
    }
}
