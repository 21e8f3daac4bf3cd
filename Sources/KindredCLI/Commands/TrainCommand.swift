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

    @Option(help: ArgumentHelp("The algorithm (\(AlgorithmSpec.names.joined(separator: ", "))).", valueName: "name"))
    var algorithm = "hybrid"

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

    @Flag(help: "Print as JSON.")
    var json = false

    func validate() throws {
        do { _ = try AlgorithmSpec.parse(name: algorithm, parameters: params) } catch { throw ValidationError(error.description) }
        _ = try learning.eventWeights()
        guard validationDays >= 0 else { throw ValidationError("--validation-days cannot be negative (0 skips validation)") }
        for name in relevant.split(separator: ",") where EventType(rawValue: String(name)) == nil {
            throw ValidationError("--relevant: unknown event type '\(name)'")
        }
    }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        var options = TrainOptions()
        options.algorithm = try AlgorithmSpec.parse(name: algorithm, parameters: params)
        options.weights = try learning.eventWeights()
        options.includeAnonymousSessions = learning.anonymousSessions
        options.validationDays = validationDays
        options.relevantKinds = Set(
            relevant.split(separator: ",").compactMap { EventType(rawValue: String($0)) }.map(TrainingDataKinds.kind(of:)))
        options.tune = tune
        options.activationMargin = margin
        options.keepBesideActive = noActivate
        options.threads = learning.threads
        options.seed = learning.seed
        let report = try engine.train(
            options, progress: { if !json, Terminal.stdoutIsTTY { FileHandle.standardError.write(Data("  \($0)...\n".utf8)) } })
        if json {
            print(try JSONOutput.encode(report))
            return
        }
        print(
            "trained version \(report.version): \(report.algorithm) on \(Grouped.int(report.interactions)) user-item pairs "
                + "(\(Grouped.int(report.users)) users, \(Grouped.int(report.items)) items) in \(String(format: "%.2f", report.trainingSeconds)) s"
        )
        print(
            "parameters: "
                + report.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(ModelText.number($0.value))" }.joined(separator: " "))
        if let v = report.validation {
            print(
                String(
                    format: "validation (last %d days, %d users): recall@%d %.4f  ndcg@%d %.4f  hr@%d %.4f", validationDays, v.users, v.k,
                    v.recall, v.k, v.ndcg, v.k, v.hitRate))
        } else {
            print("validation: no user has relevant events in the validation period")
        }
        if report.tuning.count > 1 { print("tuning: \(report.tuning.count) candidates tried on the validation split") }
        print((report.activated ? "activated: " : "not activated: ") + report.reason)
    }
}
