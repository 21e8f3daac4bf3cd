import ArgumentParser
import Foundation
import KindredEngine
import KindredStore

/// `kindred models`: the versions (the default), and factors trained elsewhere brought in.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List model versions, or import factors trained elsewhere.",
        subcommands: [ModelsListCommand.self, ModelsImportCommand.self, ModelsCompareCommand.self],
        defaultSubcommand: ModelsListCommand.self)
}

struct ModelsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List model versions (what `kindred models` does).")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print as JSON.") var json = false

    func run() throws {
        let models = try Engine.open(at: global.location).models()
        if json {
            print(try JSONOutput.encode(models))
            return
        }
        guard !models.isEmpty else {
            print("no models yet; train one with `kindred train`")
            return
        }
        print(ModelText.table(models))
    }
}

struct ActivateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activate", abstract: "Make a model version the one that serves recommendations.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The version number (see `kindred models`).") var version: Int64
    @Flag(help: "Activate even when its bias report breaks the shop's limits (models.max_exposure_gini, models.max_ndcg_gap); recorded.")
    var force = false

    func run() throws {
        let record = try Engine.open(at: global.location).activate(version: version, force: force)
        print("version \(record.version) (\(record.algorithm)) is now active")
    }
}

/// Model listings as people read them.
enum ModelText {
    static func number(_ value: Double) -> String { value.rounded() == value ? String(Int(value)) : String(value) }

    /// The algorithm, and where it was fitted when not here: "als (spark)".
    static func algorithmText(_ model: ModelVersionRecord) -> String {
        let engine = (try? JSONSerialization.jsonObject(with: Data(model.metrics.utf8)) as? [String: Any])?["engine"] as? String
        return engine.map { "\(model.algorithm) (\($0))" } ?? model.algorithm
    }

    static func table(_ models: [ModelVersionRecord]) -> String {
        var lines = ["version  status    algorithm        trained               pairs      ndcg@k   reason"]
        for model in models {
            let metrics =
                (try? JSONSerialization.jsonObject(with: Data(model.metrics.utf8)) as? [String: Any])?["validation"] as? [String: Any]
            let ndcg = (metrics?["ndcg"] as? NSNumber).map { String(format: "%.4f", $0.doubleValue) } ?? "-"
            lines.append(
                [
                    String(model.version).padding(toLength: 7, withPad: " ", startingAt: 0),
                    model.status.padding(toLength: 8, withPad: " ", startingAt: 0),
                    algorithmText(model).padding(toLength: 15, withPad: " ", startingAt: 0),
                    TimestampFormatter.iso8601(milliseconds: model.createdMs).padding(toLength: 20, withPad: " ", startingAt: 0),
                    Grouped.int(model.interactions).padding(toLength: 9, withPad: " ", startingAt: 0),
                    ndcg.padding(toLength: 7, withPad: " ", startingAt: 0),
                    model.statusReason ?? "",
                ].joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}
