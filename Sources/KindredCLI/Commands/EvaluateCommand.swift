import ArgumentParser
import Foundation
import KindredEngine
import KindredLearning
import KindredStore

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Train every algorithm on the past and measure it on the last days, beside popularity.",
        discussion: """
            The test period is the last --test-days before the newest event; models train on everything before it. Under the discovery protocol (the default) an item is relevant when the user interacted with it in the test period but not before, and the user's earlier items are left out of the ranking; under --protocol all, repeat interactions count. Reports recall@k (hits / min(relevant, k)), precision@k, NDCG@k, HR@k, MAP@k, MRR, catalog coverage, novelty and intra-list diversity (the share of pairs in a list from different categories). Lists go through the re-ranking serving applies (the shop's serving.* settings, or --diversity and the caps), so that the cost of diversity is measured.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var learning: LearningOptions
    @OptionGroup var searchBudget: SearchBudgetOptions

    @Option(help: "Length of the test period in days.")
    var testDays = 30

    @Option(name: [.customShort("k"), .customLong("k")], help: "Cut-off rank.")
    var k = 20

    @Option(name: .customLong("protocol"), help: "discovery or all.")
    var testProtocol = "discovery"

    @Option(help: ArgumentHelp("Event types that make an item relevant in the test period.", valueName: "type,..."))
    var relevant = "purchase,add_to_cart"

    @Option(
        name: .customLong("algorithm"),
        help: ArgumentHelp(
            "Algorithms to compare (repeatable; default all: default, \(AlgorithmSpec.names.joined(separator: ", "))); default is what kindred train would choose, searched on the training period alone.",
            valueName: "name"))
    var algorithms: [String] = []

    /// Whether the table has the `default` row: always, unless other algorithms are named alone.
    var includeDefault: Bool { algorithms.isEmpty || algorithms.contains("default") }

    @Option(
        help: ArgumentHelp("Hyper-parameters for the chosen algorithms, e.g. factors=32,regularization=0.1.", valueName: "name=value,..."))
    var params: String?

    @Flag(help: "Choose each algorithm's hyper-parameters on a validation split carved from the training period.")
    var tune = false

    @Option(
        help: ArgumentHelp(
            "ranking (each person's next items, the default) or next-item (each step of a test-period session, predicted from the item before by the model's similar items: hit rate and MRR at k).",
            valueName: "task"))
    var task = "ranking"

    @Option(help: "Diversity trade-off 0-1 the lists get (default: the shop's serving.diversity, as serving uses).")
    var diversity: Double?
    @Option(help: "At most this many items of one category per list (0: no cap; default: serving.max_per_category).")
    var maxPerCategory: Int?
    @Option(help: "At most this many items of one brand per list (0: no cap; default: serving.max_per_brand).")
    var maxPerBrand: Int?
    @Option(help: "Every list holds at least this share of long-tail items, 0-1 (0: no quota; default: serving.long_tail_share).")
    var longTailShare: Double?

    @Flag(
        help:
            "The default row also learns a re-ranker on its search's split, as `kindred train --ranker` does, and re-ranks its lists with it when it is kept."
    )
    var ranker = false

    @Flag(help: "Print as JSON.")
    var json = false

    func validate() throws {
        guard EvaluationOptions.TestProtocol(rawValue: testProtocol) != nil else {
            throw ValidationError("--protocol must be discovery or all")
        }
        guard testDays > 0, k > 0 else { throw ValidationError("--test-days and -k must be positive") }
        guard ["ranking", "next-item"].contains(task) else { throw ValidationError("--task must be ranking or next-item") }
        if task == "next-item", tune { throw ValidationError("--tune chooses hyper-parameters for --task ranking only") }
        if task == "next-item", learning.split != nil {
            throw ValidationError("--split is for --task ranking; next-item always tests the sessions of the last --test-days")
        }
        if task == "next-item", algorithms.contains("default") {
            throw ValidationError("the default row is for --task ranking (next-item compares similar-item lists)")
        }
        try RelevantEvents.validate(relevant)
        _ = try learning.eventWeights()
        do {
            try RecommendationRequest.check(diversity: diversity, maxPerCategory: maxPerCategory, maxPerBrand: maxPerBrand)
        } catch { throw ValidationError(error.message) }
        if let longTailShare, !(0...1).contains(longTailShare) {
            throw ValidationError("--long-tail-share is a share 0-1, not \(longTailShare)")
        }
        do {
            for spec in try specs() { _ = try spec.make(threads: 1) }
        } catch let error as AlgorithmSpecError { throw ValidationError(error.description) }
    }

    /// The chosen algorithms; each takes the --params it knows (a parameter no chosen
    /// algorithm knows is an error).
    func specs() throws -> [AlgorithmSpec] {
        let names = algorithms.isEmpty ? AlgorithmSpec.names : algorithms.filter { $0 != "default" }
        let given = try AlgorithmSpec.parameters(from: params)
        var used = Set<String>()
        let specs = try names.map { name in
            guard AlgorithmSpec.names.contains(name) else { throw AlgorithmSpecError.unknownAlgorithm(name) }
            let accepted = AlgorithmSpec.accepted(by: name)
            let mine = given.filter { accepted.contains($0.key) }
            used.formUnion(mine.keys)
            return AlgorithmSpec(name: name, parameters: mine)
        }
        if let unused = given.keys.sorted().first(where: { !used.contains($0) }) {
            throw ValidationError("--params: no chosen algorithm takes '\(unused)'")
        }
        return specs
    }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        var options = EvaluationOptions()
        options.testDays = testDays
        options.k = k
        options.testProtocol = EvaluationOptions.TestProtocol(rawValue: testProtocol)!
        options.weights = try learning.eventWeights()
        options.relevantKinds = RelevantEvents.kinds(relevant)
        options.includeAnonymousSessions = learning.anonymousSessions
        options.algorithms = try specs()
        options.skipAlgorithmsTheCatalogOutgrows = algorithms.isEmpty
        options.includeDefault = includeDefault && task == "ranking"
        options.defaultRanker = ranker
        options.search = try searchBudget.searchOptions(of: engine)
        options.split = learning.split
        options.threads = learning.threads
        options.seed = learning.seed
        options.tune = tune
        options.diversity = diversity
        options.maxPerCategory = maxPerCategory
        options.maxPerBrand = maxPerBrand
        options.longTailShare = longTailShare
        let progress: (String) -> Void = { if !json, Terminal.stdoutIsTTY { FileHandle.standardError.write(Data("  \($0)...\n".utf8)) } }
        if task == "next-item" {
            let report = try engine.evaluateNextItem(options, progress: progress)
            print(json ? try JSONOutput.encode(report) : EvaluationText.render(report))
            return
        }
        let report = try engine.evaluate(options, progress: progress)
        print(json ? try JSONOutput.encode(report) : EvaluationText.render(report))
    }
}

/// The evaluation table as people read it.
enum EvaluationText {
    static func render(_ report: EvaluationReport) -> String {
        let k = report.results.first?.metrics.k ?? 0
        let period: String
        switch SplitMethod(reportName: report.split) {
        case .time, nil: period = "test period after \(TimestampFormatter.iso8601(milliseconds: report.cutMs))"
        case .last: period = "split \(report.split) (each person's last relevant event)"
        case .random: period = "split \(report.split) (a random fifth of each person's relevant items)"
        }
        var lines = report.splitNote.map { ["note: \($0)", ""] } ?? []
        lines += [
            "protocol \(report.testProtocol); \(period); "
                + "\(Grouped.int(report.trainUsers)) users, \(Grouped.int(report.items)) items, "
                + "\(Grouped.int(report.trainInteractions)) training pairs; \(Grouped.int(report.evaluatedUsers)) users evaluated",
            "re-ranking: \(report.reranking)",
            "",
        ]
        let header = [
            "algorithm", "recall@\(k)", "prec@\(k)", "ndcg@\(k)", "hr@\(k)", "map@\(k)", "mrr", "coverage", "novelty", "ild", "fit s",
        ]
        var rows = [header]
        let baseline = report.results.first { $0.algorithm == "popularity" }?.metrics.recall
        for result in report.results {
            let m = result.metrics
            var name = result.chosen.map { "\(result.algorithm) (\($0))" } ?? result.algorithm
            if let baseline, baseline > 0, result.algorithm != "popularity" {
                name += String(format: " (%+.0f%%)", (m.recall / baseline - 1) * 100)
            }
            rows.append([
                name, f(m.recall), f(m.precision), f(m.ndcg), f(m.hitRate), f(m.map), f(m.mrr), f(m.coverage),
                String(format: "%.2f", m.novelty), m.intraListDiversity.map(f) ?? "-", String(format: "%.2f", result.fitSeconds),
            ])
        }
        lines += table(rows)
        lines += report.skipped.map { "skipped \($0.algorithm): \($0.reason)" }
        return lines.joined(separator: "\n")
    }

    /// The next-item table: one row per algorithm.
    static func render(_ report: NextItemReport) -> String {
        let k = report.results.first?.metrics.k ?? 0
        let pairs =
            report.results.first.map {
                "\(Grouped.int($0.metrics.pairs)) steps evaluated, \(Grouped.int($0.metrics.skippedPairs)) skipped (first item unseen in training)"
            } ?? ""
        var lines = [
            "task next-item; test sessions after \(TimestampFormatter.iso8601(milliseconds: report.cutMs)); "
                + "\(Grouped.int(report.trainSequences)) training sessions of \(Grouped.int(report.trainTokens)) items "
                + "(\(Grouped.int(report.vocabulary)) distinct); \(Grouped.int(report.testSequences)) test sessions, \(pairs)",
            "",
        ]
        let rows =
            [["algorithm", "hr@\(k)", "mrr@\(k)", "fit s"]]
            + report.results.map { [$0.algorithm, f($0.metrics.hitRate), f($0.metrics.mrr), String(format: "%.2f", $0.fitSeconds)] }
        lines += table(rows)
        return lines.joined(separator: "\n")
    }

    static func table(_ rows: [[String]]) -> [String] {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max()! }
        return rows.map { row in
            row.enumerated().map {
                $0.offset == 0
                    ? $0.element.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[$0.offset] - $0.element.count) + $0.element
            }.joined(separator: "  ")
        }
    }

    static func f(_ value: Double) -> String { String(format: "%.4f", value) }
}
