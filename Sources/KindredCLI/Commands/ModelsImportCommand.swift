import ArgumentParser
import Foundation
import KindredEngine

struct ModelsImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Store factors trained elsewhere (Spark, or any ALS) as a new model version, under the rule a local training follows.",
        discussion: """
            The folder holds manifest.json (kind "kindred-factors", algorithm "als", parameters, and the "export" section of the `kindred events export` manifest the factors were fitted on), full/users and full/items (JSON lines: {"person": PSEUDONYM, "factors": [...]} and {"item": ID, "factors": [...]}), and optionally validation/users and validation/items fitted on the rows whose validation_weight is positive. scripts/spark/kindred_als.py writes exactly this; `kindred train --engine spark` runs it and then this step.

            The export's data window is read again; validation factors are scored on the same split; the active model is re-fitted here on that split and the new version is activated unless its validation NDCG is worse by more than the margin. People erased since the export get no vector; items no longer in the catalog are left out. Errors name the file, line and field; nothing is stored unless all of it reads.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The folder of factors.", valueName: "dir"))
    var folder: String

    @Option(help: "Relative validation-NDCG loss allowed against the active model (default from settings, else 0.05).")
    var margin: Double?

    @Flag(help: "Keep the new model beside the active one without activating it.")
    var noActivate = false

    @Option(help: "Worker threads (scoring the validation factors, re-fitting the active model).")
    var threads = 2

    @Flag(help: "Print as JSON.")
    var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let engine = try Engine.open(at: global.location)
        var options = ModelImportOptions(folder: folder)
        options.training.activationMargin = margin
        options.training.keepBesideActive = noActivate
        options.training.threads = threads
        let report = try engine.importModel(
            options, progress: { if !json, Terminal.stdoutIsTTY { FileHandle.standardError.write(Data("  \($0)...\n".utf8)) } })
        if json {
            print(try JSONOutput.encode(report))
            return
        }
        print(TrainReportText.lines(report, validationDays: nil).joined(separator: "\n"))
    }
}
