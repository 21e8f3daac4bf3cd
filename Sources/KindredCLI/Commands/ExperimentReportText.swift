import Foundation
import KindredEngine
import KindredLearning

/// `kindred experiments report` for people: the sample ratio check, then one table per metric.
enum ExperimentReportText {
    static func render(_ report: ExperimentReport) -> String {
        var lines = [
            "experiment \(report.experiment) (\(report.status)): \(report.mode == .sequential ? "sequential, always valid" : "fixed horizon"), \(ExperimentAnalysisText.formatLevel(report.level)) intervals, \(ModelText.number(report.windowDays))-day window after each first exposure"
        ]
        lines += body(srm: report.srm, variants: report.variants, summary: report.summary, methods: report.methods)
        for group in report.groups ?? [] {
            lines.append("")
            lines.append("\(group.by) = \(group.value)")
            lines += body(srm: group.srm, variants: group.variants, summary: group.summary, methods: nil)
        }
        return lines.joined(separator: "\n")
    }

    static func body(srm: SampleRatioMismatch, variants: [ExperimentReport.Variant], summary: [String], methods: [String: String]?) -> [String] {
        var lines = [
            "people exposed: " + variants.map { "\($0.variant) \(Grouped.int($0.people))" }.joined(separator: ", ")
                + "; sample ratio p = \(EffectSentence.pValue(srm.pValue))" + (srm.flagged ? "  MISMATCH: do not trust the effects below" : " (no mismatch)")
        ]
        var rows = [["metric", "variant", "mean", "relative (CI)", "p", "always-valid p", "CUPED"]]
        for metric in ["ctr", "conversion", "add_to_cart_rate", "revenue_per_person", "dwell_per_view", "items_per_order"] {
            for (index, variant) in variants.enumerated() {
                guard let value = variant.metrics[metric] else { continue }
                var row = [index == 0 ? metric : "", variant.variant, String(format: "%.4g", value.mean)]
                if index > 0 {
                    if let problem = value.problem {
                        row += [problem, "", "", ""]
                    } else if let effect = value.relative ?? value.absolute {
                        let relative = value.relative != nil
                        func show(_ x: Double) -> String { relative ? ExperimentAnalysisText.pct(x) : String(format: "%+.4g", x) }
                        row.append("\(show(effect.effect)) (\(show(effect.ciLow)) to \(show(effect.ciHigh)))")
                        row.append(EffectSentence.pValue(value.adjustedPValue ?? effect.pValue))
                        row.append(value.sequential.map { EffectSentence.pValue($0.pValue) } ?? "")
                        // The change in variance: a reduction shows as "-12% variance"; noise can make it a rise.
                        row.append(
                            value.cupedVarianceReduction.map {
                                String(format: $0 >= 0 ? "-%.0f%% variance" : "+%.0f%% variance", abs($0) * 100)
                            } ?? "")
                    }
                }
                rows.append(row)
            }
        }
        lines += ExperimentAnalysisText.table(rows)
        lines.append("")
        lines += summary
        if let methods {
            lines.append("")
            lines.append("methods:")
            for (metric, method) in methods.sorted(by: { $0.key < $1.key }) { lines.append("  \(metric): \(method)") }
        }
        return lines
    }
}
