import Foundation
import KindredStore

/// What one scheduled retraining run did.
public enum RetrainOutcome: Sendable {
    /// Nothing new to learn from: no events since the last model.
    case skipped(reason: String)
    case trained(TrainReport)
    /// `becauseOfData`: the data cannot train a model (no events yet, say), as opposed to a fault.
    case failed(message: String, becauseOfData: Bool)
}

extension Engine {
    /// One run of the hourly retraining: skips when no events arrived since the last model,
    /// otherwise trains the active model's algorithm and parameters (hybrid when there is none)
    /// on all events, applying the activation rule, and loads the new model for serving before
    /// returning, so that requests swap to it without waiting. Every run is a row in `jobs`.
    public func retrainIfNeeded(threads: Int = 2, validationDays: Int = 30) -> RetrainOutcome {
        retrain(trigger: "scheduler", onlyWithNewEvents: true, threads: threads, validationDays: validationDays)
    }

    /// A retraining run on demand (`POST /v1/models/train`): the same, without the skip.
    public func retrainNow(threads: Int = 2, validationDays: Int = 30) -> RetrainOutcome {
        retrain(trigger: "api", onlyWithNewEvents: false, threads: threads, validationDays: validationDays)
    }

    private func retrain(trigger: String, onlyWithNewEvents: Bool, threads: Int, validationDays: Int) -> RetrainOutcome {
        let started = clock.now()
        do {
            let (freshness, active) = try database.writer.read { db in
                (try TrainingFreshness.read(in: db), try ModelRegistry.active(in: db))
            }
            guard let newest = freshness.newestEventPK else {
                return try recordSkip(started: started, trigger: trigger, reason: "no events yet")
            }
            if onlyWithNewEvents, let trained = freshness.newestTrainedEventPK, trained >= newest {
                retrainExperimentModels(newestEventPK: newest, trigger: trigger, threads: threads, validationDays: validationDays)
                return try recordSkip(
                    started: started, trigger: trigger, reason: "no events since the last model was trained (event \(trained))")
            }
            var options = TrainOptions()
            switch SearchSchedule.next(active: active, nowMs: started) {
            case .search: options.search = try searchOptions()
            case .refit(let spec, let searchedMs):
                options.algorithm = spec
                options.searchedMs = searchedMs
            }
            options.threads = threads
            options.validationDays = validationDays
            options.trigger = trigger
            let report = try train(options)
            try servingCache.warm()
            retrainExperimentModels(newestEventPK: newest, trigger: trigger, threads: threads, validationDays: validationDays)
            return .trained(report)
        } catch {
            let message = String(describing: error)
            _ = try? database.writer.write { db in
                try JobStore.insert(
                    .init(
                        kind: "train", status: "failed", startedMs: started, finishedMs: clock.now(), details: ["trigger": trigger],
                        error: message), in: db)
            }
            return .failed(message: message, becauseOfData: error is DataError)
        }
    }

    /// Keeps the models of running experiments' `algorithm:NAME` variants as fresh as the
    /// active one: each algorithm other than the active model's is retrained beside it (never
    /// activated) when events arrived since its newest version, with that version's
    /// parameters; then serving loads what the experiments serve. A failure here is a failed
    /// job of its own and does not undo the active model's run.
    func retrainExperimentModels(newestEventPK: Int64, trigger: String, threads: Int, validationDays: Int) {
        do {
            let stale = try database.writer.read { db -> [AlgorithmSpec] in
                let active = try ModelRegistry.active(in: db)
                var specs: [AlgorithmSpec] = []
                var seen: Set<String> = []
                for experiment in try ExperimentStore.running(in: db) {
                    for variant in experiment.variants {
                        guard case .algorithm(let name) = ServingStrategy.of(variant), name != active?.algorithm, seen.insert(name).inserted
                        else { continue }
                        let newest = try ModelRegistry.newestServable(algorithm: name, in: db).flatMap {
                            try ModelRegistry.record(version: $0, in: db)
                        }
                        if let newest, (newest.dataMaxEventPK ?? 0) >= newestEventPK { continue }
                        specs.append(newest.flatMap { try? StoredSpec.spec(of: $0) } ?? AlgorithmSpec(name: name))
                    }
                }
                return specs
            }
            for spec in stale {
                var options = TrainOptions()
                options.algorithm = spec
                options.threads = threads
                options.validationDays = validationDays
                options.trigger = trigger
                options.keepBesideActive = true
                do {
                    _ = try train(options)
                } catch {
                    _ = try? database.writer.write { db in
                        try JobStore.insert(
                            .init(
                                kind: "train", status: "failed", startedMs: clock.now(), finishedMs: clock.now(),
                                details: ["trigger": trigger, "algorithm": spec.name, "for": "experiments"], error: "\(error)"), in: db)
                    }
                }
            }
            try servingCache.warmOthers(try experimentVersions())
        } catch {
            _ = try? database.writer.write { db in
                try JobStore.insert(
                    .init(
                        kind: "train", status: "failed", startedMs: clock.now(), finishedMs: clock.now(),
                        details: ["trigger": trigger, "for": "experiments"], error: "\(error)"), in: db)
            }
        }
    }

    /// The model versions running experiments serve now.
    func experimentVersions() throws -> Set<Int64> {
        try database.writer.read { db in
            var versions: Set<Int64> = []
            for experiment in try ExperimentStore.running(in: db) {
                for variant in experiment.variants {
                    if let version = try servedVersion(ServingStrategy.of(variant), in: db) { versions.insert(version) }
                }
            }
            return versions
        }
    }

    private func recordSkip(started: Int64, trigger: String, reason: String) throws -> RetrainOutcome {
        try database.writer.write { db in
            _ = try JobStore.insert(
                .init(
                    kind: "train", status: "skipped", startedMs: started, finishedMs: clock.now(),
                    details: ["trigger": trigger, "reason": reason]), in: db)
        }
        return .skipped(reason: reason)
    }

    /// Puts the engine in server mode: new model versions and catalog changes load in the
    /// background while requests are answered from the model held. Loads the active model now.
    public func startServing(onModelSwap: (@Sendable (_ version: Int64) -> Void)? = nil) throws {
        var hook: (@Sendable (ServingModel) -> Void)?
        if let onModelSwap { hook = { model in onModelSwap(model.record.version) } }
        servingCache.refreshInBackground(onSwap: hook)
        try servingCache.warm()
        try servingCache.warmOthers(try experimentVersions())
    }

    /// The version serving holds now (nil before any model).
    public var servingVersion: Int64? { servingCache.heldVersion }
}

extension Engine {
    /// Loads the active version for serving now, if it is not the one held.
    public func warmServingModel() throws {
        try servingCache.warm()
    }
}
