import Foundation
import KindredLearning
import KindredStore

/// A fitted model on its way into the registry: what the activation rule and the version's
/// record need, wherever the fit ran (here, or on Spark and imported).
struct FittedModel {
    var model: any RecommenderModel
    var spec: AlgorithmSpec
    var parameters: [String: Double]
    /// Its configuration's metrics on the validation split, when there is one.
    var validation: RankingMetrics?
    /// The model those metrics were measured on (fitted on the split's training part).
    var validatedModel: (any RecommenderModel)?
    var fitSeconds: Double
    var tuning: [TrainReport.Candidate] = []
    var search: SearchReport?
    /// Whether the active configuration, fitted here with the same seed, would score exactly
    /// `validation`: true for Kindred's own fits, false for factors fitted elsewhere, against
    /// which the active model is always re-fitted.
    var reproducibleHere = true
    /// Where the fit ran, for the metrics, the job and the audit entry (`engine`, ...); empty
    /// for a fit in this process.
    var provenance: [String: any Sendable] = [:]
    /// The learned ranker re-learnt for this version (when the active version had one), with
    /// its report; the ranker is nil when it did not beat the model's order and is not kept.
    var ranker: (stored: StoredRanker?, report: RankerReport)?
}

extension Engine {
    /// The part of training every fit shares: the activation rule (the new model against the
    /// active one on the same split, within the margin), the bias report and its gate, the
    /// version's record and weights, the job and the audit entry, all in one transaction.
    func register(
        _ fitted: FittedModel, data: TrainingData, split: TimeSplit?, trainingSet: TrainingSet, options: TrainOptions,
        memo: ContentMemo, started: Double, startedMs: Int64, progress: (String) -> Void
    ) throws -> TrainReport {
        let spec = fitted.spec
        let validation = fitted.validation
        let margin =
            try options.activationMargin
            ?? database.writer.read { db in
                try SettingsStore.value("models.activation_margin", in: db).flatMap(Double.init) ?? 0.05
            }
        let active = try database.writer.read { db in try ModelRegistry.active(in: db) }
        var activate = true
        var reason = "first model"
        if let active {
            let activeSpec = try? StoredSpec.spec(of: active)
            let activeOutgrown =
                activeSpec.map { spec in
                    split.map { (try? spec.checkFits(items: $0.evaluation.train.items, database: database.path)) == nil } ?? false
                } ?? false
            if activeOutgrown {
                // The active configuration cannot be fitted on this catalog any more (EASE
                // beyond its max_items): there is nothing to compare with, and a model that fits
                // is better than none that can be retrained.
                reason =
                    "the active version \(active.version) (\(active.algorithm)) cannot be re-fitted on \(split!.evaluation.train.items) items to compare; activated"
            } else if let validation, let split, let activeSpec {
                // Fits are deterministic given the seed: the active configuration, if it is the
                // one just validated here, would score exactly the same on the same split.
                let activeMetrics =
                    fitted.reproducibleHere && activeSpec.normalized == spec.normalized
                    ? validation
                    : Evaluator.evaluate(
                        try activeSpec.make(threads: options.threads, seed: options.seed, memo: memo).fit(split.evaluation.train),
                        on: split.evaluation, k: options.k, threads: options.threads)
                activate = validation.ndcg >= activeMetrics.ndcg * (1 - margin)
                reason =
                    "validation ndcg@\(options.k) \(String(format: "%.4f", validation.ndcg)) vs "
                    + "\(String(format: "%.4f", activeMetrics.ndcg)) for active version \(active.version) (\(active.algorithm)"
                    + (fitted.reproducibleHere ? "" : ", re-fitted here") + ") on the same split, margin \(Int((margin * 100).rounded()))%"
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
        if let validatedModel = fitted.validatedModel, let split {
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
        var metrics: [String: any Sendable] = fitted.provenance
        // Who chose the algorithm: the scheduler re-searches daily only what a search chose.
        if let search = fitted.search {
            metrics["chosen_by"] = "search"
            metrics["searched_ms"] = startedMs
            metrics["search"] = search.metricsObject
        } else if let searchedMs = options.searchedMs {
            metrics["chosen_by"] = "search"
            metrics["searched_ms"] = searchedMs
        } else {
            metrics["chosen_by"] = "named"
        }
        if let v = validation {
            metrics["validation"] =
                [
                    "k": v.k, "users": v.users, "recall": v.recall, "precision": v.precision, "ndcg": v.ndcg, "hit_rate": v.hitRate,
                    "map": v.map, "mrr": v.mrr, "coverage": v.coverage, "novelty": v.novelty, "days": options.validationDays,
                    "split": split?.method ?? "time",
                ].merging(split?.note.map { ["split_note": $0 as any Sendable] } ?? [:]) { a, _ in a } as [String: any Sendable]
        }
        let metricsJSON = metrics.isEmpty ? "{}" : JSONText.encode(metrics)
        let popularity = PopularityAlgorithm(kind: .distinctUsers).fit(trainingSet) as! PopularityModel
        let record = ModelVersionRecord(
            algorithm: spec.name, hyperparameters: JSONText.encode(fitted.parameters.mapValues { $0 as any Sendable }),
            dataMaxEventPK: data.maxEventPK, dataFromMs: data.firstEventMs, dataToMs: data.lastEventMs,
            users: data.userPKs.count, items: trainingSet.items, interactions: trainingSet.interactions.nonZeroCount,
            metrics: metricsJSON, trainingSeconds: nil, status: "ready", statusReason: nil, createdMs: startedMs)
        let weightsJSON = try JSONEncoder().encode(options.weights)
        let byContextJSON = try JSONSerialization.data(
            withJSONObject: data.popularByContext.mapValues { $0.map(NSNumber.init(value:)) }, options: [.sortedKeys])
        let model = fitted.model
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
            if let ranker = fitted.ranker?.stored { try Self.store(ranker, version: version, in: db, nowMs: clock.now()) }
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
            ].merging(fitted.provenance.filter { $0.key == "engine" }) { a, _ in a }
            let job = try JobStore.insert(
                .init(kind: "train", status: "succeeded", startedMs: startedMs, finishedMs: clock.now(), details: details), in: db)
            try JobStore.setModelVersion(job: job, version: version, in: db)
            try AuditLog.append(
                action: "train", actor: options.trigger == "scheduler" ? "scheduler" : actor, details: details, in: db, nowMs: clock.now())
            return (version, seconds)
        }
        servingCache.invalidate()
        return TrainReport(
            version: version, algorithm: spec.name, parameters: fitted.parameters, validation: validation, activated: activate,
            reason: reason, trainingSeconds: seconds, fitSeconds: fitted.fitSeconds, users: data.userPKs.count, items: trainingSet.items,
            interactions: trainingSet.interactions.nonZeroCount, tuning: fitted.tuning, search: fitted.search,
            validationSplit: validation == nil ? nil : split?.method,
            ranker: fitted.ranker.map { ranker in
                var report = ranker.report
                report.version = version
                return report
            })
    }
}
