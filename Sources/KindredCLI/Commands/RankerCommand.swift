import ArgumentParser
import Foundation
import KindredEngine
import KindredLearning
import KindredStore

/// `kindred ranker`: the learned re-ranking stage (LambdaMART) over the active model's lists.
struct RankerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranker", abstract: "Learn, inspect and export the re-ranker of the active model's lists.",
        subcommands: [RankerTrainCommand.self, RankerShowCommand.self, RankerExportCommand.self])
}

/// The boosting settings, named as LightGBM names them, shared by train and export (whose
/// manifest records them for a LightGBM run on the same lists).
struct RankerSettingsOptions: ParsableArguments {
    @Option(help: "Boosting rounds at most (LightGBM num_iterations).")
    var trees = 100

    @Option(help: "Leaves per tree (num_leaves).")
    var leaves = 31

    @Option(help: "Learning rate (learning_rate).")
    var learningRate = 0.1

    @Option(help: "Fewest rows in a leaf (min_data_in_leaf).")
    var minDataInLeaf = 20

    @Option(
        help:
            "Stop when held-out NDCG@10 has not improved for this many rounds, keeping the best round's trees (0: never stop early, keep every tree)."
    )
    var earlyStoppingRounds = 20

    @Option(help: "Candidates per person re-ranked (and learnt from).")
    var candidates = 200

    @Option(help: "Length of the validation period the lists come from, in days.")
    var validationDays = 30

    @Option(help: ArgumentHelp("Event types that make a candidate relevant after the cut (purchases only).", valueName: "type,..."))
    var relevant = "purchase,add_to_cart"

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp(
            "What to learn from: the lists shown after the cut with what followed them (impressions), each person's purchases after the cut (purchases), or impressions when at least 100 shown lists had an outcome (auto).",
            valueName: "auto|impressions|purchases"))
    var source = "auto"

    @Option(
        help:
            "The largest weight of an outcome in a logged list: 1 / (the probability its place was drawn with x how often its place is looked at), at most this (1: every row weighs 1). Default: 1 below 2,000 lists with an outcome, 10 from there."
    )
    var propensityClip: Double?

    func validate() throws {
        guard trees >= 1 else { throw ValidationError("--trees must be at least 1") }
        guard leaves >= 2 else { throw ValidationError("--leaves must be at least 2") }
        guard learningRate > 0, learningRate <= 1 else { throw ValidationError("--learning-rate must be above 0 and at most 1") }
        guard minDataInLeaf >= 1 else { throw ValidationError("--min-data-in-leaf must be at least 1") }
        guard earlyStoppingRounds >= 0 else { throw ValidationError("--early-stopping-rounds cannot be negative (0: never stop early)") }
        guard (2...10_000).contains(candidates) else { throw ValidationError("--candidates must be between 2 and 10000") }
        guard validationDays >= 1 else { throw ValidationError("--validation-days must be at least 1") }
        try RelevantEvents.validate(relevant)
        guard RankerListSource(rawValue: source) != nil else {
            throw ValidationError(
                "--from must be one of \(RankerListSource.allCases.map(\.rawValue).joined(separator: ", ")), not '\(source)'")
        }
        if let propensityClip, !(propensityClip >= 1 && propensityClip.isFinite) {
            throw ValidationError("--propensity-clip must be at least 1")
        }
    }

    func options(_ learning: LearningOptions) throws -> RankerOptions {
        var options = RankerOptions()
        options.settings.trees = trees
        options.settings.leaves = leaves
        options.settings.learningRate = learningRate
        options.settings.minDataInLeaf = minDataInLeaf
        options.settings.earlyStoppingRounds = earlyStoppingRounds
        options.candidates = candidates
        options.validationDays = validationDays
        options.relevantKinds = RelevantEvents.kinds(relevant)
        options.weights = try learning.eventWeights()
        options.includeAnonymousSessions = learning.anonymousSessions
        options.split = learning.split
        options.threads = learning.threads
        options.seed = learning.seed
        options.source = RankerListSource(rawValue: source) ?? .auto
        options.propensityClip = propensityClip
        return options
    }
}

struct RankerTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Learn a re-ranking of the active model's lists (LambdaMART) and keep it if it helps.",
        discussion: """
            The active algorithm is fitted on the data before the validation cut. With --from impressions (and by default once 100 lists shown after the cut had a click, cart or purchase), each list shown to a known person after the cut is a list to learn from: its items scored by that model for the person as they were then, labelled 3 bought, 2 carted, 1 clicked, 0 nothing, an item with an outcome weighted by 1 / (the probability an exploring list showed it with x how often its place is looked at, estimated from exploration's random draws), at most --propensity-clip (by default no weighting below 2,000 such lists, where the weights' variance costs more than their bias). With --from purchases, each person who bought or carted something after the cut gets their top candidates (the model's, then popular items), labelled by what they then bought. The features are in `kindred ranker show`. A fifth of the people (by a seeded hash) are held out: boosting stops when their NDCG@10 stops improving, and the trees are kept, stored with the active model version, only when they beat the model's own order on them. Serving then re-ranks each personalized list's top candidates with them, before rules, caps and diversity.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var learning: LearningOptions
    @OptionGroup var settings: RankerSettingsOptions

    @Flag(help: "Print as JSON.")
    var json = false

    func validate() throws { _ = try learning.eventWeights() }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        let report = try engine.trainRanker(
            try settings.options(learning),
            progress: { if !json, Terminal.stdoutIsTTY { FileHandle.standardError.write(Data("  \($0)...\n".utf8)) } })
        if json {
            print(try JSONOutput.encode(report))
            return
        }
        print(
            "ranker for model version \(report.version) (\(report.algorithm)): \(report.trees) trees of \(report.settings.leaves) leaves "
                + "after \(report.roundsRun) rounds in \(String(format: "%.2f", report.fitSeconds)) s")
        print("learnt from \(report.source.rawValue)" + (report.sourceNote.map { ": \($0)" } ?? ""))
        if report.source == .impressions {
            if let note = report.positionBiasNote { print("positions: \(note)") }
            if let clip = report.propensityClip {
                print(
                    clip > 1 ? "weights: outcomes weigh 1 / propensity, at most \(clip.formatted())" : "weights: none (every row weighs 1)")
            }
            print(
                "lists: \(report.trainQueries) learnt from, \(report.validationQueries) held out (\(report.trainRows) rows, \(report.weightedRows) weighted for exploration; "
                    + "split \(report.split); \(report.droppedPeople) of \(report.evaluablePeople) lists had no two items to tell apart)")
        } else {
            print(
                "lists: \(report.trainQueries) learnt from, \(report.validationQueries) held out (\(report.trainRows) rows, \(report.candidates) candidates each at most; "
                    + "split \(report.split); \(report.droppedPeople) of \(report.evaluablePeople) people had nothing relevant among their candidates)"
            )
        }
        print(report.reason)
        if let stage = report.stage {
            print(
                String(
                    format: "stage: re-ranking %d candidates takes %.3f ms at p50, %.3f ms at p99 in process (%d held-out lists)",
                    stage.candidates, stage.p50Ms, stage.p99Ms, stage.lists))
        }
    }
}

struct RankerShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show the active version's ranker: its features, report and (with --json) every tree.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the stored ranker as JSON, trees included.")
    var json = false

    func run() throws {
        let engine = try Engine.open(at: global.location)
        guard let ranker = try engine.activeRanker() else {
            throw DataError(file: global.location.databasePath, message: "the active model has no ranker; run `kindred ranker train`")
        }
        if json {
            print(try JSONOutput.encode(ranker))
            return
        }
        let report = ranker.report
        print(
            "version \(report.version) (\(report.algorithm)): \(ranker.model.trees.count) trees, re-ranks the top \(ranker.candidates) candidates"
        )
        print("learnt from \(report.source.rawValue)" + (report.sourceNote.map { ": \($0)" } ?? ""))
        print(report.reason)
        print("features:")
        for (index, name) in ranker.features.enumerated() { print("  \(index)  \(name)") }
    }
}

struct RankerExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the ranker's lists in LightGBM's text format, with query groups, for a side-by-side fit.",
        discussion: """
            Files: train.txt and valid.txt (LibSVM rows: label, then index:value with feature indices from 0), train.txt.query and valid.txt.query (one list length per line, which LightGBM reads by itself), features.txt (one name per line) and manifest.json (the LightGBM parameters that repeat `kindred ranker train`'s settings, the counts and a SHA-256 of the data). The lists are the ones `kindred ranker train` learns from with the same options. The folder must be new or empty; it appears whole or not at all.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var learning: LearningOptions
    @OptionGroup var settings: RankerSettingsOptions

    @Option(help: ArgumentHelp("The folder to write (new or empty).", valueName: "dir"))
    var out: String

    @Flag(help: "Print as JSON.")
    var json = false

    func validate() throws { _ = try learning.eventWeights() }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        let report = try engine.exportRanker(
            try settings.options(learning), to: out,
            progress: { if !json, Terminal.stdoutIsTTY { FileHandle.standardError.write(Data("  \($0)...\n".utf8)) } })
        if json {
            print(try JSONOutput.encode(report))
            return
        }
        print(
            "wrote \(report.trainQueries) lists (\(report.trainRows) rows) to \(report.folder)/train.txt and \(report.validationQueries) (\(report.validationRows) rows) to valid.txt, \(report.features.count) features"
        )
        print("sha256 \(report.sha256)")
    }
}
