import ArgumentParser
import Foundation
import KindredEngine
import KindredLearning
import KindredStore

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on all events, store it as a new version, and activate it if it is good enough.",
        discussion: """
            The model is first measured on a validation period carved from the end of the data (--validation-days); with --tune, a small grid of hyper-parameters is searched on that split. The final model is then fitted on all events and stored in model_versions with its weights, hyper-parameters, data window and validation metrics. It becomes active unless its validation NDCG is worse than the active model's (re-fitted on the same split) by more than the margin (settings key models.activation_margin, default 0.05); the reason is recorded either way.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var learning: LearningOptions
    @OptionGroup var searchBudget: SearchBudgetOptions

    @Option(
        help: ArgumentHelp(
            "The algorithm (\(AlgorithmSpec.names.joined(separator: ", "))); default: chosen by a search on the validation split (als on Spark).",
            valueName: "name"))
    var algorithm: String?

    @Option(
        help: ArgumentHelp(
            "Where to fit: local (this process) or spark (export, run MLlib's ALS, import the factors).", valueName: "engine"))
    var engine = "local"

    @Option(
        help: ArgumentHelp(
            "With --engine spark: local[N], or a cluster's master (spark://host:7077), which must see --work-folder.", valueName: "master"))
    var sparkMaster = "local[2]"

    @Option(
        help: ArgumentHelp(
            "With --engine spark: the folder for the export, the job and its factors (default: beside the database).", valueName: "dir"))
    var workFolder: String?

    @Flag(help: "With --engine spark: keep the work folder after a successful import.")
    var keepWork = false

    @Option(help: ArgumentHelp("Hyper-parameters, e.g. factors=64,regularization=0.1.", valueName: "name=value,..."))
    var params: String?

    @Flag(help: "Search a small grid of hyper-parameters on the validation split first.")
    var tune = false

    @Option(help: "Length of the validation period in days (0: no validation; the model is activated).")
    var validationDays = 30

    @Option(help: ArgumentHelp("Event types that make an item relevant in the validation period.", valueName: "type,..."))
    var relevant = "purchase,add_to_cart"

    @Option(help: "Relative validation-NDCG loss allowed against the active model (default from settings, else 0.05).")
    var margin: Double?

    @Flag(help: "Keep the new model beside the active one without activating it (a model for an experiment's algorithm:NAME).")
    var noActivate = false

    @Flag(
        inversion: .prefixedNo,
        help:
            "Learn a re-ranker for this version (LambdaMART, kept only if it beats the model's order), or none; default: re-learn the active version's ranker when it has one (see `kindred ranker`)."
    )
    var ranker: Bool?

    @Flag(help: "Print as JSON.")
    var json = false

    /// The algorithm asked for, or each engine's default (locally, what the search falls back
    /// to without a validation split).
    var algorithmName: String { algorithm ?? (engine == "spark" ? "als" : TrainOptions().algorithm.name) }

    /// Locally, with no algorithm named, the search chooses.
    var searches: Bool { algorithm == nil && engine == "local" }

    func validate() throws {
        guard engine == "local" || engine == "spark" else { throw ValidationError("--engine must be local or spark, not '\(engine)'") }
        if engine == "spark" {
            guard algorithmName == "als" else {
                throw ValidationError("--engine spark trains als (MLlib's implicit ALS); train \(algorithmName) without --engine spark")
            }
            guard !tune else { throw ValidationError("--tune searches here; it does not combine with --engine spark") }
        } else if workFolder != nil || keepWork || sparkMaster != "local[2]" {
            throw ValidationError("--spark-master, --work-folder and --keep-work go with --engine spark")
        }
        if searches, params != nil {
            throw ValidationError("--params sets the parameters of --algorithm; without it a search chooses them")
        }
        do { _ = try AlgorithmSpec.parse(name: algorithmName, parameters: params) } catch { throw ValidationError(error.description) }
        _ = try learning.eventWeights()
        guard validationDays >= 0 else { throw ValidationError("--validation-days cannot be negative (0 skips validation)") }
        try RelevantEvents.validate(relevant)
    }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        var options = TrainOptions()
        options.algorithm = try AlgorithmSpec.parse(name: algorithmName, parameters: params)
        options.weights = try learning.eventWeights()
        options.includeAnonymousSessions = learning.anonymousSessions
        options.validationDays = validationDays
        options.relevantKinds = RelevantEvents.kinds(relevant)
        options.tune = tune
        if searches {
            options.search = try searchBudget.searchOptions(of: engine)
        }
        options.activationMargin = margin
        options.keepBesideActive = noActivate
        options.learnsRanker = ranker
        options.split = learning.split
        options.threads = learning.threads
        options.seed = learning.seed
        let progress: (String) -> Void = { if !json, Terminal.stdoutIsTTY { FileHandle.standardError.write(Data("  \($0)...\n".utf8)) } }
        if self.engine == "spark" {
            var spark = SparkTrainOptions()
            spark.training = options
            spark.master = sparkMaster
            spark.workFolder = workFolder
            spark.keepWork = keepWork
            let report = try engine.trainOnSpark(spark, progress: progress)
            if json {
                print(try JSONOutput.encode(report))
                return
            }
            print(
                "exported \(Grouped.int(report.exportedEvents)) events in \(String(format: "%.2f", report.exportSeconds)) s; "
                    + "Spark (\(report.master)) ran \(String(format: "%.2f", report.sparkSeconds)) s, its final fit \(String(format: "%.2f", report.sparkFitSeconds)) s; "
                    + "import \(String(format: "%.2f", report.importSeconds)) s")
            print(TrainReportText.lines(report.training, validationDays: validationDays).joined(separator: "\n"))
            if report.kept { print("work folder kept: \(report.workFolder)") }
            return
        }
        let report = try engine.train(options, progress: progress)
        if json {
            print(try JSONOutput.encode(report))
            return
        }
        print(TrainReportText.lines(report, validationDays: validationDays).joined(separator: "\n"))
    }
}

/// A training report as people read it, for `kindred train` and `kindred models import`.
enum TrainReportText {
    static func lines(_ report: TrainReport, validationDays: Int?) -> [String] {
        var lines = [
            "trained version \(report.version): \(report.algorithm) on \(Grouped.int(report.interactions)) user-item pairs "
                + "(\(Grouped.int(report.users)) users, \(Grouped.int(report.items)) items) in \(String(format: "%.2f", report.trainingSeconds)) s",
            "parameters: "
                + report.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(ModelText.number($0.value))" }.joined(separator: " "),
        ]
        if let v = report.validation {
            // The time split is said as its period; leave-last-out and random holdout by name.
            let period: String =
                if let split = report.validationSplit, split != SplitMethod.time.reportName { "\(split), " } else {
                    validationDays.map { "last \($0) days, " } ?? ""
                }
            lines.append(
                "validation (\(period)\(v.users) users): "
                    + String(format: "recall@%d %.4f  ndcg@%d %.4f  hr@%d %.4f", v.k, v.recall, v.k, v.ndcg, v.k, v.hitRate))
        } else {
            lines.append("validation: no user has relevant events in the validation period")
        }
        if report.tuning.count > 1 { lines.append("tuning: \(report.tuning.count) candidates tried on the validation split") }
        if let search = report.search {
            lines.append(
                "chosen by \(search.method): \(search.configurations) configurations"
                    + (search.leftOut > 0 ? " (\(search.leftOut) left out for the budget)" : "")
                    + (search.cutForTime > 0 ? ", \(search.cutForTime) trials cut for time" : "")
                    + String(format: ", %.2f fits in %.1f s", search.fits, search.seconds))
            let last = search.trials.filter { $0.share == 1 }.sorted { ($0.ndcg, $0.recall) > ($1.ndcg, $1.recall) }
            for (place, trial) in zip(["winner", "runner-up"], last) {
                let parameters = trial.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(ModelText.number($0.value))" }
                lines.append(
                    "  \(place): \(trial.algorithm) \(parameters.joined(separator: " "))"
                        + String(
                            format: "  ndcg@%d %.4f  recall@%d %.4f", report.validation?.k ?? 0, trial.ndcg, report.validation?.k ?? 0,
                            trial.recall))
            }
        }
        if let ranker = report.ranker {
            lines.append("ranker re-learnt (\(ranker.trees) trees): " + ranker.reason)
        }
        if let note = report.rankerNote { lines.append(note) }
        lines.append((report.activated ? "activated: " : "not activated: ") + report.reason)
        return lines
    }
}
