import Foundation
import KindredLearning
import KindredStore

/// What `kindred experiments analyze` and `POST /v1/experiments/analyze` answer: the sample
/// ratio check first, then each treatment against the control, with the method named.
public struct SummaryAnalysis: Sendable, Equatable, Codable {
    public var kind: ExperimentStatistics.MetricKind
    public var method: ComparisonMethod
    public var mode: ExperimentStatistics.Mode
    public var level: Double
    public var correction: MultipleComparisonCorrection
    /// The split the variants were planned with, as shares summing to 1.
    public var weights: [Double]
    public var srm: SampleRatioMismatch
    public var variants: [ExperimentStatistics.VariantResult]
    /// One sentence per treatment, for people.
    public var summary: [String]
}

/// The options both faces take, checked in one place.
public struct AnalysisRequest: Sendable, Equatable {
    public var weights: [Double]?
    public var options: ExperimentStatistics.Options

    public init(weights: [Double]? = nil, options: ExperimentStatistics.Options = .init()) {
        self.weights = weights
        self.options = options
    }

    /// Parses "50,50" (any positive scale).
    public static func weights(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard values.count == parts.count, values.count >= 2, values.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw RequestProblem(
                .invalid, code: "invalid_field", message: "'\(text)' is not a list of positive weights such as 50,50", field: "weights")
        }
        return values
    }

    /// Rejects levels and tunings that make no sense before any work is done.
    public func validate() throws {
        guard options.level >= 0.5, options.level <= 0.9999 else {
            throw RequestProblem(
                .invalid, code: "invalid_field", message: "a confidence level from 0.5 to 0.9999, such as 0.95", field: "level")
        }
        guard options.tuning >= 1, options.tuning <= 1e12 else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "the sequential tuning is a number of people, 1 to 10^12", field: "tuning")
        }
    }
}

extension Engine {
    /// The statistics of a past experiment's summaries. Needs no database: a shop can check a
    /// test it ran in another tool.
    public static func analyzeSummaries(_ file: VariantSummaryFile, request: AnalysisRequest) throws -> SummaryAnalysis {
        try request.validate()
        let weights = request.weights ?? Array(repeating: 1, count: file.variants.count)
        guard weights.count == file.variants.count else {
            throw RequestProblem(
                .invalid, code: "invalid_field",
                message: "\(weights.count) weights for \(file.variants.count) variants; give one per variant, in the file's order",
                field: "weights")
        }
        let total = weights.reduce(0, +)
        let srm = SampleRatioMismatch.test(counts: file.variants.map(\.summary.people), weights: weights)
        let result = ExperimentStatistics.analyze(
            metric: file.kind == .proportion ? "conversion" : "mean", kind: file.kind, arms: file.variants, options: request.options)
        return SummaryAnalysis(
            kind: file.kind, method: result.method, mode: request.options.mode, level: request.options.level,
            correction: request.options.correction, weights: weights.map { $0 / total }, srm: srm, variants: result.variants,
            summary: EffectSentence.sentences(
                metric: file.kind == .proportion ? "conversion" : "the mean", variants: result.variants, srm: srm, level: request.options.level))
    }
}
