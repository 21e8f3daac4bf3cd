import Foundation
import KindredLearning
import KindredStore

/// How `kindred train` (and the scheduler) trains.
public struct TrainOptions: Sendable {
    public var algorithm = AlgorithmSpec(name: "hybrid")
    public var weights = EventWeights()
    public var includeAnonymousSessions = true
    /// The validation period carved from the end of the data; 0 skips validation (and with
    /// it the comparison with the active model: the new model is activated).
    public var validationDays = 30
    public var k = 20
    public var relevantKinds: Set<InteractionKind> = [.purchase, .addToCart]
    /// Search a small grid of hyper-parameters on the validation split first.
    public var tune = false
    /// How much worse (relative, on validation NDCG@k) a new model may be than the active one
    /// and still replace it; nil reads `models.activation_margin` from settings (default 0.05).
    public var activationMargin: Double?
    /// Store the model beside the active one without activating it, whatever its metrics: a
    /// model for an experiment variant (`algorithm:NAME`), or one to compare by hand.
    public var keepBesideActive = false
    public var threads = 2
    public var seed: UInt64 = 42
    /// Who asked for the run, recorded with the job: "cli", "api", "scheduler".
    public var trigger = "cli"

    public init() {}
}

/// What a training run did.
public struct TrainReport: Sendable, Codable {
    public struct Candidate: Sendable, Codable {
        public var parameters: [String: Double]
        public var metrics: RankingMetrics
    }

    public var version: Int64
    public var algorithm: String
    public var parameters: [String: Double]
    public var validation: RankingMetrics?
    public var activated: Bool
    public var reason: String
    public var trainingSeconds: Double
    /// The final fit alone (no reading, validation or writing).
    public var fitSeconds: Double
    public var users: Int
    public var items: Int
    public var interactions: Int
    public var tuning: [Candidate]
}

extension Engine {
    /// Trains a model on all events, measures it on a validation split carved from the end of
    /// the data, stores it as a new version, and activates it unless it is worse than the
    /// active model by more than the margin.
    public func train(_ options: TrainOptions, progress: (String) -> Void = { _ in }) throws -> TrainReport {
        let started = WallClock.monotonicSeconds()
        let startedMs = clock.now()
        // Sessions are read only when the new model or the active one (re-fitted for the
        // activation rule) learns from them.
        let activeSpec = try database.writer.read { db in try ModelRegistry.active(in: db) }.flatMap { try? StoredSpec.spec(of: $0) }
        let groupings = Set([options.algorithm.sequenceGrouping, activeSpec?.sequenceGrouping].compactMap { $0 })
        let data = try TrainingData.load(
            from: database, includeAnonymousSessions: options.includeAnonymousSessions, withSessions: !groupings.isEmpty)
        guard let lastEvent = data.lastEventMs, data.log.count > 0 else {
            throw DataError(file: database.path, message: "no events to train on; import some first")
        }
        var evaluation = EvaluationOptions()
        evaluation.testDays = options.validationDays
        evaluation.k = options.k
        evaluation.weights = options.weights
        evaluation.relevantKinds = options.relevantKinds
        evaluation.withSequences = groupings
        let split = options.validationDays > 0 ? TimeSplit.evaluable(data, options: evaluation) : nil
        let usable = split.map { !$0.evaluation.cases.isEmpty } ?? false

        // Content neighbours depend on the catalog alone: every fit of this run shares them.
        let memo = ContentMemo()
        // Choose hyper-parameters on the validation split only.
        var spec = options.algorithm
        var tuning: [TrainReport.Candidate] = []
        var validation: RankingMetrics?
        var validatedModel: (any RecommenderModel)?
        if usable, let split {
            let candidates = options.tune ? TuningGrid.candidates(for: spec) : [spec]
            var best: (spec: AlgorithmSpec, metrics: RankingMetrics, model: any RecommenderModel)?
            for candidate in candidates {
                progress(
                    "validating \(candidate.name) \(candidate.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))"
                )
                let model = try candidate.make(threads: options.threads, seed: options.seed, memo: memo).fit(split.evaluation.train)
                let metrics = Evaluator.evaluate(model, on: split.evaluation, k: options.k, threads: options.threads)
                tuning.append(.init(parameters: candidate.parameters, metrics: metrics))
                if best == nil || (metrics.ndcg, metrics.recall) > (best!.metrics.ndcg, best!.metrics.recall) {
                    best = (candidate, metrics, model)
                }
            }
            spec = best!.spec
            validation = best!.metrics
            validatedModel = best!.model
        }

        progress("fitting \(spec.name) on all events")
        let algorithm = try spec.make(threads: options.threads, seed: options.seed, memo: memo)
        let trainingSet = data.trainingSet(
            weights: options.weights, referenceTime: lastEvent, withSequences: Set([algorithm.sequenceGrouping].compactMap { $0 }))
        let fitStarted = WallClock.monotonicSeconds()
        let model = algorithm.fit(trainingSet)
        let fitSeconds = WallClock.monotonicSeconds() - fitStarted

        // The activation rule: compare with the active model's configuration on the same split.
        let margin =
            try options.activationMargin
            ?? database.writer.read { db in
                try SettingsStore.value("models.activation_margin", in: db).flatMap(Double.init) ?? 0.05
            }
        let active = try database.writer.read { db in try ModelRegistry.active(in: db) }
        var activate = true
        var reason = "first model"
        if let active {
            if let validation, let split, let activeSpec = try? StoredSpec.spec(of: active) {
                // Fits are deterministic given the seed: the active configuration, if it is the
                // one just validated, would score exactly the same on the same split.
                let activeMetrics =
                    activeSpec.normalized == spec.normalized
                    ? validation
                    : Evaluator.evaluate(
                        try activeSpec.make(threads: options.threads, seed: options.seed, memo: memo).fit(split.evaluation.train),
                        on: split.evaluation, k: options.k, threads: options.threads)
                activate = validation.ndcg >= activeMetrics.ndcg * (1 - margin)
                reason =
                    "validation ndcg@\(options.k) \(String(format: "%.4f", validation.ndcg)) vs "
                    + "\(String(format: "%.4f", activeMetrics.ndcg)) for active version \(active.version) (\(active.algorithm)) "
                    + "on the same split, margin \(Int((margin * 100).rounded()))%"
            } else {
                reason = "no validation split to compare with the active version \(active.version); activated"
            }
        } else if validation == nil {
            reason =
                options.validationDays == 0
                ? "first model (validation skipped)" : "first model (not validated: no relevant events in the validation period)"
        }

        // The bias report of the validated model, kept with the version; the shop's limits on it
        // may hold back activation.
        var bias: BiasReport?
        if let validatedModel, let split {
            progress("auditing \(spec.name) for bias")
            var auditOptions = BiasAuditOptions()
            auditOptions.k = options.k
            auditOptions.testDays = options.validationDays
            auditOptions.threads = options.threads
            bias = try biasReport(of: validatedModel, version: 0, algorithm: spec.name, data: data, split: split, options: auditOptions)
        }
        let gate = try database.writer.read { db in try BiasGate.read(in: db) }
        if activate, let bias, let refusal = gate.refusal(bias) {
            activate = false
            reason = refusal + " (" + reason + ")"
        }

        if options.keepBesideActive, active != nil {
            activate = false
            reason = "kept beside the active model, not activated (" + reason + ")"
        }
        let parameters = algorithm.hyperparameters
        let metricsJSON =
            validation.map { v in
                JSONText.encode([
                    "validation": [
                        "k": v.k, "users": v.users, "recall": v.recall, "precision": v.precision, "ndcg": v.ndcg, "hit_rate": v.hitRate,
                        "map": v.map, "mrr": v.mrr, "coverage": v.coverage, "novelty": v.novelty, "days": options.validationDays,
                        "split": split?.method ?? "time",
                    ].merging(split?.note.map { ["split_note": $0 as any Sendable] } ?? [:]) { a, _ in a } as [String: any Sendable]
                ])
            } ?? "{}"
        let popularity = PopularityAlgorithm(kind: .distinctUsers).fit(trainingSet) as! PopularityModel
        let record = ModelVersionRecord(
            algorithm: spec.name, hyperparameters: JSONText.encode(parameters.mapValues { $0 as any Sendable }),
            dataMaxEventPK: data.maxEventPK, dataFromMs: data.firstEventMs, dataToMs: data.lastEventMs,
            users: data.userPKs.count, items: trainingSet.items, interactions: trainingSet.interactions.nonZeroCount,
            metrics: metricsJSON, trainingSeconds: nil, status: "ready", statusReason: nil, createdMs: startedMs)
        let weightsJSON = try JSONEncoder().encode(options.weights)
        let byContextJSON = try JSONSerialization.data(
            withJSONObject: data.popularByContext.mapValues { $0.map(NSNumber.init(value:)) }, options: [.sortedKeys])
        let (version, seconds) = try database.writer.write { db -> (Int64, Double) in
            let version = try ModelRegistry.insert(record, in: db)
            if var bias {
                bias.version = version
                try ModelBiasReports.save(version: version, report: try bias.storedJSON(), in: db, nowMs: clock.now())
            }
            // People erased while the model trained keep their erasure: only those whose key
            // still holds the pseudonym read with the events get a vector.
            let current = try ProfileStore.pseudonyms(in: db)
            let present = Set(data.userPKs.filter { pk in current[pk] != nil && current[pk] == data.userPseudonyms[pk] })
            try ModelCodec.save(
                model, version: version, itemPKs: data.catalog.itemPKs, userPKs: data.userPKs, present: present, in: db)
            try ModelRegistry.writeArtifact(
                version: version, name: "item_pks", encoding: "int64le", data: FloatBlob.encode(data.catalog.itemPKs), in: db)
            try ModelRegistry.writeArtifact(
                version: version, name: "popularity", encoding: "float32le", data: FloatBlob.encode(popularity.popularity), in: db)
            try ModelRegistry.writeArtifact(
                version: version, name: "trending", encoding: "float32le", data: FloatBlob.encode(trainingSet.recentActivity), in: db)
            try ModelRegistry.writeArtifact(version: version, name: "event_weights", encoding: "json", data: weightsJSON, in: db)
            try ModelRegistry.writeArtifact(version: version, name: "popular_by_context", encoding: "json", data: byContextJSON, in: db)
            // Reading, validating, fitting and writing the weights: the whole run.
            let seconds = WallClock.monotonicSeconds() - started
            try ModelRegistry.setTrainingSeconds(version: version, seconds: seconds, in: db)
            if activate {
                try ModelRegistry.activate(version: version, reason: reason, nowMs: clock.now(), in: db)
            } else if options.keepBesideActive {
                try ModelRegistry.setStatus(version: version, status: "ready", reason: reason, in: db)
            } else {
                try ModelRegistry.setStatus(version: version, status: "rejected", reason: reason, in: db)
            }
            let details: [String: any Sendable] = [
                "version": version, "algorithm": spec.name, "activated": activate, "reason": reason,
                "seconds": (seconds * 1000).rounded() / 1000, "interactions": trainingSet.interactions.nonZeroCount,
                "trigger": options.trigger,
            ]
            let job = try JobStore.insert(
                .init(kind: "train", status: "succeeded", startedMs: startedMs, finishedMs: clock.now(), details: details), in: db)
            try JobStore.setModelVersion(job: job, version: version, in: db)
            try AuditLog.append(
                action: "train", actor: options.trigger == "scheduler" ? "scheduler" : actor, details: details, in: db, nowMs: clock.now())
            return (version, seconds)
        }
        servingCache.invalidate()
        return TrainReport(
            version: version, algorithm: spec.name, parameters: parameters, validation: validation, activated: activate, reason: reason,
            trainingSeconds: seconds, fitSeconds: fitSeconds, users: data.userPKs.count, items: trainingSet.items,
            interactions: trainingSet.interactions.nonZeroCount, tuning: tuning)
    }
}

extension AlgorithmSpec {
    /// The spec with every default written out, so that two specs that make the same
    /// algorithm compare equal however they were written.
    var normalized: AlgorithmSpec {
        guard let known = AlgorithmSpec.known.first(where: { $0.name == name }) else { return self }
        return AlgorithmSpec(name: name, parameters: known.parameters.merging(parameters) { _, given in given })
    }
}

/// The algorithm spec a stored version was trained with.
enum StoredSpec {
    static func spec(of record: ModelVersionRecord) throws -> AlgorithmSpec {
        let object = (try JSONSerialization.jsonObject(with: Data(record.hyperparameters.utf8)) as? [String: Any]) ?? [:]
        guard let known = AlgorithmSpec.known.first(where: { $0.name == record.algorithm }) else {
            throw AlgorithmSpecError.unknownAlgorithm(record.algorithm)
        }
        var parameters: [String: Double] = [:]
        for (key, value) in object where known.parameters[key] != nil { parameters[key] = (value as? NSNumber)?.doubleValue }
        return AlgorithmSpec(name: record.algorithm, parameters: parameters)
    }
}

/// The small grids `--tune` searches.
enum TuningGrid {
    static func candidates(for spec: AlgorithmSpec) -> [AlgorithmSpec] {
        func grid(_ axes: [(String, [Double])]) -> [AlgorithmSpec] {
            var result = [spec.parameters]
            for (name, values) in axes {
                result = result.flatMap { base in values.map { base.merging([name: $0]) { _, new in new } } }
            }
            return result.map { AlgorithmSpec(name: spec.name, parameters: $0) }
        }
        switch spec.name {
        case "als", "hybrid":
            return grid([("factors", [32, 64, 128]), ("regularization", [0.01, 0.1, 1]), ("alpha", [1, 10])])
        case "bpr":
            return grid([("factors", [32, 64]), ("learning_rate", [0.01, 0.05]), ("epochs", [20, 50])])
        case "item2vec":
            // The exponent matters most for recommendations (Caselles-Dupré et al., RecSys 2018).
            return grid([("negative_exponent", [-0.5, 0, 0.5, 0.75, 1])])
        case "item-knn-cosine", "item-knn-bm25", "content":
            return grid([("neighbours", [20, 50, 100, 200])])
        default:
            return [spec]
        }
    }
}
