import Foundation
import KindredLearning

/// Plain sentences for a shop owner: which variant beats which, by how much, how sure.
public enum EffectSentence {
    public static func sentences(
        metric: String, variants: [ExperimentStatistics.VariantResult], srm: SampleRatioMismatch, level: Double
    ) -> [String] {
        if srm.flagged {
            return [
                "Sample ratio mismatch (p = \(pValue(srm.pValue))): the variants did not get the people their weights promise, so assignment or logging is broken; fix that before reading any effect."
            ]
        }
        guard let control = variants.first else { return [] }
        let percent = Int((level * 100).rounded())
        return variants.dropFirst().map { variant in
            if let problem = variant.problem { return "\(variant.variant) against \(control.variant) on \(metric): no result, \(problem)." }
            guard let estimate = variant.relative ?? variant.absolute else { return "\(variant.variant): no result." }
            let relative = variant.relative != nil
            let p = variant.adjustedPValue ?? estimate.pValue
            let pName = variant.adjustedPValue == nil ? "p" : "adjusted p"
            let interval = "\(percent)% CI \(signed(estimate.ciLow, relative)) to \(signed(estimate.ciHigh, relative))"
            if p < 1 - level {
                let verb = estimate.effect > 0 ? "beats" : "trails"
                return "\(variant.variant) \(verb) \(control.variant) on \(metric) by \(unsigned(estimate.effect, relative)) (\(interval), \(pName) = \(pValue(p)))."
            }
            return "\(variant.variant) against \(control.variant) on \(metric): no clear difference yet (\(signed(estimate.effect, relative)), \(interval), \(pName) = \(pValue(p))); keep running."
        }
    }

    static func signed(_ value: Double, _ relative: Bool) -> String {
        (value >= 0 ? "+" : "") + unsigned(value, relative, keepSign: true)
    }

    static func unsigned(_ value: Double, _ relative: Bool, keepSign: Bool = false) -> String {
        let shown = keepSign ? value : abs(value)
        return relative ? String(format: "%.1f%%", shown * 100) : String(format: "%.4g", shown)
    }

    public static func pValue(_ p: Double) -> String {
        p < 0.0001 ? "< 0.0001" : String(format: "%.4f", p)
    }
}
