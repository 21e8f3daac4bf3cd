import Foundation
import KindredLearning
import KindredStore

/// What `kindred models import` (and the last step of `kindred train --engine spark`) loads.
public struct ModelImportOptions: Sendable {
    /// A folder of factors: `manifest.json`, `full/users`, `full/items`, and optionally
    /// `validation/users`, `validation/items` (see scripts/spark/kindred_als.py).
    public var folder: String
    /// The activation margin, `--no-activate`, threads and trigger, as training takes them.
    public var training = TrainOptions()

    public init(folder: String) { self.folder = folder }
}

extension Engine {
    /// Stores factors fitted outside Kindred as a new model version, under the same rule a
    /// local training follows: the data window the export named is read again, the
    /// validation factors are scored on the same split the export marked, the active model is
    /// re-fitted on that split for the comparison, and the version, its job and its audit
    /// entry are written in one transaction. People erased or without consent since the
    /// export get no vector; items no longer in the catalog are left out.
    public func importModel(_ options: ModelImportOptions, progress: (String) -> Void = { _ in }) throws -> TrainReport {
        try importModel(options, startedAt: (WallClock.monotonicSeconds(), clock.now()), exported: nil, progress: progress)
    }

    /// `startedAt`: when the whole run began (a Spark training's export), so that the
    /// version's training time counts all of it. `exported`: the events the export was written
    /// from, when this process still holds them; they are used instead of reading them again
    /// if they are the window the factors name.
    func importModel(
        _ options: ModelImportOptions, startedAt: (monotonic: Double, ms: Int64), exported: TrainingData?,
        progress: (String) -> Void
    ) throws -> TrainReport {
        let started = startedAt.monotonic
        let startedMs = startedAt.ms
        let folder = URL(fileURLWithPath: options.folder).standardizedFileURL
        let manifest = try FactorManifest.read(folder.appendingPathComponent("manifest.json"))
        var training = options.training
        if let weights = manifest.weights { training.weights = weights }
        training.includeAnonymousSessions = manifest.includeAnonymousSessions
        training.validationDays = manifest.validationDays
        training.relevantKinds = manifest.relevantKinds
        // The parameters the fit had, as Kindred names them (cg_steps is Kindred's own solver's).
        let known = AlgorithmSpec.known.first { $0.name == "als" }?.parameters ?? [:]
        let parameters = manifest.parameters.filter { known[$0.key] != nil && $0.key != "cg_steps" }

        let data: TrainingData
        if let exported, exported.maxEventPK == manifest.dataMaxEventPK {
            data = exported
        } else {
            progress("reading the data window the factors were fitted on")
            data = try TrainingData.load(
                from: database, throughEventPK: manifest.dataMaxEventPK, includeAnonymousSessions: training.includeAnonymousSessions)
        }
        guard let lastEvent = data.lastEventMs, data.log.count > 0 else {
            throw DataError(file: database.path, message: "no events to match the factors with; import some first")
        }
        progress("reading factors")
        let full = try FactorModelBuilder(data: data, parameters: parameters).model(
            people: try LabelledFactors.read(folder: folder.appendingPathComponent("full/users"), key: "person"),
            items: try LabelledFactors.read(folder: folder.appendingPathComponent("full/items"), key: "item"),
            folder: folder.appendingPathComponent("full"))

        var validation: RankingMetrics?
        var validatedModel: (any RecommenderModel)?
        var split: TimeSplit?
        var validationNote: String?
        let validationFolder = folder.appendingPathComponent("validation")
        if manifest.validationMethod != "none", FileManager.default.fileExists(atPath: validationFolder.path) {
            var evaluation = EvaluationOptions()
            evaluation.testDays = training.validationDays
            evaluation.k = training.k
            evaluation.weights = training.weights
            evaluation.relevantKinds = training.relevantKinds
            // The method the export marked, not one chosen again: the data may have changed.
            evaluation.split = SplitMethod(reportName: manifest.validationMethod)
            evaluation.seed = manifest.validationSeed
            evaluation.dataEndMs = manifest.dataToMs ?? lastEvent
            let rebuilt = TimeSplit.evaluable(data, options: evaluation)
            if let rebuilt, rebuilt.method == manifest.validationMethod, rebuilt.cutMs == manifest.validationCutMs,
                !rebuilt.evaluation.cases.isEmpty
            {
                progress("scoring the validation factors")
                let model = try FactorModelBuilder(data: data, parameters: parameters).model(
                    people: try LabelledFactors.read(folder: validationFolder.appendingPathComponent("users"), key: "person"),
                    items: try LabelledFactors.read(folder: validationFolder.appendingPathComponent("items"), key: "item"),
                    folder: validationFolder)
                validation = Evaluator.evaluate(model.model, on: rebuilt.evaluation, k: training.k, threads: training.threads)
                validatedModel = model.model
                split = rebuilt
            } else {
                validationNote = "the validation split could not be rebuilt as the export marked it; stored without validation"
            }
        }
        var provenance: [String: any Sendable] = [
            "engine": manifest.engine, "imported_from": folder.path, "people_matched": full.peopleMatched,
            "people_left_out": full.peopleLeftOut, "items_matched": full.itemsMatched, "items_left_out": full.itemsLeftOut,
        ]
        if let spark = manifest.sparkVersion { provenance["spark_version"] = spark }
        if let master = manifest.master { provenance["spark_master"] = master }
        if let fit = manifest.fullFitSeconds { provenance["engine_fit_seconds"] = fit }
        if let validationNote { provenance["validation_note"] = validationNote }
        let trainingSet = data.trainingSet(weights: training.weights, referenceTime: lastEvent)
        return try register(
            FittedModel(
                model: full.model, spec: AlgorithmSpec(name: "als", parameters: parameters), parameters: parameters, validation: validation,
                validatedModel: validatedModel, fitSeconds: manifest.fullFitSeconds ?? 0, reproducibleHere: false, provenance: provenance),
            data: data, split: split, trainingSet: trainingSet, options: training, memo: ContentMemo(), started: started,
            startedMs: startedMs, progress: progress)
    }
}

/// Places labelled factors on the rows and columns of a data window: people by pseudonym
/// (or `~session-N`), items by catalog id.
struct FactorModelBuilder {
    let data: TrainingData
    let parameters: [String: Double]

    struct Built {
        var model: MatrixFactorizationModel
        var peopleMatched: Int
        var peopleLeftOut: Int
        var itemsMatched: Int
        var itemsLeftOut: Int
    }

    func model(people: LabelledFactors, items: LabelledFactors, folder: URL) throws -> Built {
        let f = items.dimension
        guard people.dimension == f else {
            throw DataError(
                file: folder.path, field: "factors",
                message: "people have \(people.dimension) factors and items \(f); both sides must have the same number")
        }
        if let declared = parameters["factors"], Int(declared) != f {
            throw DataError(file: folder.path, field: "factors", message: "the manifest says \(Int(declared)) factors; the files hold \(f)")
        }
        var rowOfPerson: [String: Int] = [:]
        for (row, pk) in data.userPKs.enumerated() {
            if let pseudonym = data.userPseudonyms[pk] { rowOfPerson[pseudonym] = row }
        }
        var columnOfItem: [String: Int] = [:]
        for (column, id) in data.catalog.itemIDs.enumerated() { columnOfItem[id] = column }

        var userFactors = [Float](repeating: 0, count: data.userRows * f)
        var peopleMatched = 0
        for index in 0..<people.count {
            let label = people.labels[index]
            let row: Int?
            if label.hasPrefix("~session-"), let n = Int(label.dropFirst("~session-".count)), n >= 1 {
                row = n - 1 < data.anonymousSessionRows ? data.userPKs.count + n - 1 : nil
            } else {
                row = rowOfPerson[label]
            }
            guard let row else { continue }
            userFactors.replaceSubrange((row * f)..<((row + 1) * f), with: people.vector(index))
            peopleMatched += 1
        }
        var itemFactors = [Float](repeating: 0, count: data.catalog.count * f)
        var itemsMatched = 0
        for index in 0..<items.count {
            guard let column = columnOfItem[items.labels[index]] else { continue }
            itemFactors.replaceSubrange((column * f)..<((column + 1) * f), with: items.vector(index))
            itemsMatched += 1
        }
        guard itemsMatched > 0 else {
            throw DataError(file: folder.appendingPathComponent("items").path, message: "no item id matches this shop's catalog")
        }
        let model = MatrixFactorizationModel(
            userFactors: userFactors, itemFactors: itemFactors, factors: f, regularization: Float(parameters["regularization"] ?? 0.1),
            alpha: Float(parameters["alpha"] ?? 1))
        return Built(
            model: model, peopleMatched: peopleMatched, peopleLeftOut: people.count - peopleMatched, itemsMatched: itemsMatched,
            itemsLeftOut: items.count - itemsMatched)
    }
}
