import Foundation
import KindredEngine
import KindredLearning

/// The terminal's rendering of experiment statistics: the method first, the sample ratio
/// check before any effect, then a table and the plain sentences.
enum ExperimentAnalysisText {
    static func render(_ analysis: SummaryAnalysis) -> String {
        let percent = formatLevel(analysis.level)
        var lines: [String] = []
        let method = describe(analysis.method)
        lines.append("\(analysis.kind == .proportion ? "conversion (a proportion)" : "a mean per user"): \(method), \(percent) intervals")
        let srm = analysis.srm
        lines.append(
            "sample ratio: chi-square \(String(format: "%.3f", srm.chiSquare)) on \(srm.degreesOfFreedom) df against \(analysis.weights.map { String(format: "%.0f%%", $0 * 100) }.joined(separator: "/")), p = \(EffectSentence.pValue(srm.pValue))"
                + (srm.flagged ? "  MISMATCH: do not trust the effects below" : " (no mismatch)"))
        lines.append("")
        let corrected = analysis.correction != .none
        var rows = [["variant", "users", analysis.kind == .proportion ? "rate" : "mean", "absolute (\(percent) CI)", "relative (\(percent) CI)", "p"]
            + (corrected ? ["p (\(analysis.correction.rawValue))"] : [])]
        for variant in analysis.variants {
            var row = [variant.variant, Grouped.int(Int(variant.people)), value(variant.mean, analysis.kind)]
            if let problem = variant.problem {
                row += [problem, "", ""]
            } else if let absolute = variant.absolute {
                row.append("\(signed(absolute.effect, analysis.kind)) (\(signed(absolute.ciLow, analysis.kind)) to \(signed(absolute.ciHigh, analysis.kind)))")
                row.append(variant.relative.map { "\(pct($0.effect)) (\(pct($0.ciLow)) to \(pct($0.ciHigh)))" } ?? "none (control is 0)")
                row.append(EffectSentence.pValue((variant.relative ?? absolute).pValue))
                if corrected { row.append(variant.adjustedPValue.map(EffectSentence.pValue) ?? "") }
            }
            rows.append(row)
        }
        lines += table(rows)
        lines.append("")
        lines += analysis.summary
        return lines.joined(separator: "\n")
    }

    static func render(_ plan: ExperimentPlan) -> String {
        var lines = [
            "\(Grouped.int(plan.peoplePerVariant)) people per variant (\(Grouped.int(plan.peopleInTotal)) in all, \(plan.variants) variants) to detect \(pct(plan.lift)) on a \(String(format: "%g%%", plan.baseline * 100)) conversion rate",
            "with \(Int((plan.power * 100).rounded()))% power at alpha \(plan.alpha): \(plan.method), effect size \(String(format: "%.4f", plan.effectSize))",
        ]
        if let perDay = plan.eligiblePeoplePerDay, let end = plan.trafficWindowEnd, let windowDays = plan.trafficWindowDays {
            let share = plan.trafficShare < 1 ? " at \(String(format: "%g%%", plan.trafficShare * 100)) of traffic" : ""
            if let days = plan.days {
                lines.append(
                    "about \(Grouped.int(days)) day\(days == 1 ? "" : "s")\(share): \(String(format: "%.1f", perDay)) eligible people a day (seen in the \(windowDays) days to \(end), with experiments consent by the policy)")
            } else if perDay > 0 {
                lines.append("more than a million days\(share) at \(String(format: "%.1f", perDay)) eligible people a day: plan for a larger lift")
            } else {
                lines.append("no eligible people in the \(windowDays) days to \(end): nobody may be in experiments yet")
            }
        } else {
            lines.append("days: unknown, no events with a person in the database")
        }
        return lines.joined(separator: "\n")
    }

    static func render(_ settings: ErrorRateSimulation.Settings, _ rates: ErrorRateSimulation.Rates) -> String {
        let truth = settings.relativeLift == 0 ? "no true difference (A/A): shares are false positive rates" : "a true lift of \(pct(settings.relativeLift)): shares are power"
        var lines = [
            "\(Grouped.int(rates.experiments)) simulated experiments, \(settings.days) days of \(Grouped.int(settings.peoplePerArmPerDay)) people per variant, conversion \(String(format: "%g%%", settings.baseline * 100)), seed \(settings.seed)",
            truth + ", at \(formatLevel(settings.level))",
            "",
        ]
        lines += table([
            ["test", "looked at once", "looked at every day"],
            ["fixed horizon (two-proportion z)", share(rates.fixedOnce), share(rates.fixedPeekingDaily)],
            [
                "sequential (confidence sequence, tuning \(Grouped.int(Int(settings.tuning))))", share(rates.sequentialOnce),
                share(rates.sequentialPeekingDaily),
            ],
        ])
        return lines.joined(separator: "\n")
    }

    static func describe(_ method: ComparisonMethod) -> String {
        switch method {
        case .welchT: "Welch's t-test (Welch-Satterthwaite df), fixed horizon"
        case .twoProportionZ: "two-proportion z-test (unpooled), fixed horizon"
        case .sequential: "sequential, always valid (Gaussian confidence sequences)"
        }
    }

    static func formatLevel(_ level: Double) -> String { String(format: "%g%%", level * 100) }
    static func share(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }
    static func pct(_ value: Double) -> String { (value >= 0 ? "+" : "") + String(format: "%.1f%%", value * 100) }

    static func value(_ value: Double, _ kind: ExperimentStatistics.MetricKind) -> String {
        kind == .proportion ? String(format: "%.2f%%", value * 100) : String(format: "%.4g", value)
    }

    static func signed(_ value: Double, _ kind: ExperimentStatistics.MetricKind) -> String {
        let text = kind == .proportion ? String(format: "%.2f pp", value * 100) : String(format: "%.4g", value)
        return value >= 0 ? "+" + text : text
    }

    static func table(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
    }
}
