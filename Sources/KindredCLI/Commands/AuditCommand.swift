import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

/// `kindred audit`: the audit log, and whether anyone has tampered with it.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify and read the audit log; audit a model version for bias.",
        subcommands: [AuditVerify.self, AuditList.self, AuditBias.self])
}

struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the audit log's hash chain and name the first row where it breaks (exit status 1).",
        discussion: """
            Each row of audit_log carries the SHA-256 of the previous row's hash and its own fields. A row edited, removed or put in by hand breaks the chain from there on. Rows cut off the end cannot be told from the chain alone: keep the head this command prints somewhere else and compare. The chain has no key, so someone who recomputes every later hash goes unseen.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let report = try Engine.open(at: global.location).verifyAuditLog()
        if json {
            print(try JSONOutput.encode(report))
        } else if report.intact {
            let unsealed = report.unsealed > 0 ? " (\(report.unsealed) from before the chain, sealed at the next entry)" : ""
            print("audit log intact: \(Grouped.int(report.rows)) rows\(unsealed), head \(report.head ?? "none")")
        } else {
            Terminal.error("audit log broken: \(report.problem ?? "")")
        }
        if !report.intact { throw ExitCode.failure }
    }
}

struct AuditList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The latest audit log entries, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "How many entries.") var limit = 20
    @Option(help: "Only entries of this action (import_events, train, activate, ...).") var action: String?
    @Flag(help: "Print as JSON.") var json = false

    func validate() throws {
        guard (1...100_000).contains(limit) else { throw ValidationError("--limit is 1 to 100000, not \(limit)") }
    }

    func run() throws {
        let entries = try Engine.open(at: global.location).auditEntries(limit: limit, action: action)
        if json {
            print(try JSONOutput.encode(entries))
            return
        }
        for entry in entries {
            print("\(entry.auditPk)  \(entry.at)  \(entry.actor)  \(entry.action)  \(entry.details)")
        }
    }
}

struct AuditBias: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bias",
        abstract: "A model version's bias report: exposure of item groups, popularity bias, accuracy gaps between groups of people.",
        discussion: """
            The version's algorithm and parameters are fitted on everything before the last --test-days, as `kindred evaluate` does, and its lists (with the shop's re-ranking) for the people who then bought or carted something are measured:

              exposure      per item group (category, price band, new or established, popularity decile): the share of position-discounted exposure (1 / log2(1 + rank)) beside the group's share of the catalog and of what people went on to want
              popularity    mean popularity of recommended items against the catalog's, the share of places given to the long tail, the Gini index of exposure over all items, catalog coverage
              accuracy      recall@k and NDCG@k per group of people (device and country of their latest event, new or returning) with bootstrap intervals, and the gap between the best and worst group of at least --min-people

            The report is stored with the version (table model_bias_reports, view model_history) and the audit is in the audit log.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("The version to audit (default: the active one).", valueName: "version")) var model: Int64?
    @Option(name: .customShort("k"), help: "List length.") var k = 10
    @Option(help: "Days held out at the end of the data.") var testDays = 30
    @Option(help: "The smallest group of people counted in the gaps.") var minPeople = 20
    @Option(help: "Bootstrap resamples.") var resamples = 1_000
    @Flag(help: "Print as JSON.") var json = false

    func options() -> BiasAuditOptions {
        var options = BiasAuditOptions(version: model)
        options.k = k
        options.testDays = testDays
        options.minimumPeople = minPeople
        options.resamples = resamples
        return options
    }

    func validate() throws {
        do { try options().validate() } catch let problem as RequestProblem {
            throw ValidationError("--\(problem.field ?? "k"): \(problem.message)")
        }
    }

    func run() throws {
        let report = try Engine.open(at: global.location).auditBias(options())
        print(json ? try JSONOutput.encode(report) : BiasReportText.render(report))
    }
}

/// The bias report as people read it.
enum BiasReportText {
    static func render(_ report: BiasReport) -> String {
        func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
        var lines = [
            "bias report of model version \(report.version) (\(report.algorithm)): lists of \(report.k) for \(Grouped.int(report.people)) people "
                + "who bought or carted in the \(report.testDays) days after \(report.cut) (\(report.split) split; re-ranking \(report.reranking))",
            "",
            "popularity: recommended items' mean popularity \(String(format: "%.1f", report.popularity.meanRecommendedPopularity)) "
                + "vs the catalog's \(String(format: "%.1f", report.popularity.meanCatalogPopularity)); long tail \(percent(report.popularity.longTailShare)) "
                + "of places (\(percent(report.popularity.longTailCatalogShare)) of the catalog); exposure Gini \(String(format: "%.3f", report.popularity.exposureGini)); "
                + "coverage \(percent(report.popularity.coverage))",
        ]
        for name in ["category", "price_band", "item_age", "popularity_decile"] {
            guard var groups = report.exposure[name], !groups.isEmpty else { continue }
            lines.append("")
            lines.append("exposure by \(name.replacingOccurrences(of: "_", with: " ")):  exposure  catalog  wanted")
            if name == "category" { groups = Array(groups.sorted { $0.exposureShare > $1.exposureShare }.prefix(10)) }
            for group in groups {
                lines.append(
                    "  " + group.group.padding(toLength: 28, withPad: " ", startingAt: 0) + percent(group.exposureShare).padding(toLength: 10, withPad: " ", startingAt: 0)
                        + percent(group.catalogShare).padding(toLength: 9, withPad: " ", startingAt: 0) + percent(group.relevanceShare))
            }
        }
        for gap in report.accuracyGaps {
            lines.append("")
            lines.append(
                "accuracy by \(gap.grouping): ndcg gap \(String(format: "%.4f", gap.ndcgGap)) (95% \(String(format: "%.4f", gap.ndcgGapLow)) to \(String(format: "%.4f", gap.ndcgGapHigh))), "
                    + "recall gap \(String(format: "%.4f", gap.recallGap))"
                    + (gap.equalOpportunityDifference.map { ", equal opportunity difference \(String(format: "%.4f", $0))" } ?? "")
                    + (gap.demographicParityDifference.map { ", long-tail demographic parity difference \(String(format: "%.4f", $0))" } ?? "")
                    + " among groups of \(gap.minimumPeople)+ people")
            for group in gap.groups.sorted(by: { $0.people > $1.people }).prefix(10) {
                lines.append(
                    "  " + group.group.padding(toLength: 28, withPad: " ", startingAt: 0) + "\(group.people) people".padding(toLength: 14, withPad: " ", startingAt: 0)
                        + "ndcg \(String(format: "%.4f", group.ndcg)) (\(String(format: "%.4f", group.ndcgLow))-\(String(format: "%.4f", group.ndcgHigh)))  "
                        + "recall \(String(format: "%.4f", group.recall))"
                        + (group.truePositiveRate.map { "  true positive rate \(String(format: "%.4f", $0))" } ?? "")
                        + (group.selectionRate.map { "  long tail \(String(format: "%.4f", $0))" } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}
