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
                return try recordSkip(
                    started: started, trigger: trigger, reason: "no events since the last model was trained (event \(trained))")
            }
            var options = TrainOptions()
            if let active, let spec = try? StoredSpec.spec(of: active) { options.algorithm = spec }
            options.threads = threads
            options.validationDays = validationDays
            options.trigger = trigger
            let report = try train(options)
            try servingCache.warm()
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
