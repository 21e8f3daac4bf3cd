import Foundation
import KindredEngine
import Logging
import ServiceLifecycle

/// Keeps the event writer open while the server runs and, on shutdown, closes it after the
/// HTTP server has finished its requests (services stop in reverse order of starting), so that
/// every event accepted is written before the process exits.
struct EventWriterService: Service {
    let writer: GroupCommitWriter
    /// Held from `buildApplication` until the writer has closed: then another server may start.
    let servingLock: ServingLock
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await writer.close()
        servingLock.release()
        let stats = writer.statistics
        logger.info(
            "event writer closed",
            metadata: [
                "events_stored": "\(stats.eventsStored)", "commits": "\(stats.commits)", "impressions": "\(stats.impressions)",
            ])
    }
}

/// Retrains on an interval: skips a run when no events arrived since the last model, and
/// never overlaps a run started through the API.
struct RetrainSchedulerService: Service {
    let engine: Engine
    let lane: TrainingLane
    let interval: Double
    let threads: Int
    let logger: Logger

    func run() async throws {
        // On shutdown the sleep is cancelled and the loop ends: a stop, not a failure.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(interval))
                await runOnce()
            }
        }
    }

    func runOnce() async {
        do {
            let outcome = try await lane.run { [engine, threads] in engine.retrainIfNeeded(threads: threads) }
            switch outcome {
            case .skipped(let reason):
                logger.info("scheduled retraining skipped", metadata: ["reason": "\(reason)"])
            case .trained(let report):
                logger.info(
                    "scheduled retraining done",
                    metadata: [
                        "version": "\(report.version)", "activated": "\(report.activated)", "reason": "\(report.reason)",
                        "seconds": "\(String(format: "%.2f", report.trainingSeconds))",
                    ])
            case .failed(let message, _):
                logger.error("scheduled retraining failed", metadata: ["error": "\(message)"])
            }
        } catch {
            logger.info("scheduled retraining skipped: a training run is already going")
        }
        // The experiment_results view shows each running experiment as of the last hour.
        for (key, problem) in engine.refreshExperimentReports() {
            logger.error("experiment report failed", metadata: ["experiment": "\(key)", "error": "\(problem)"])
        }
    }
}

/// Retention, daily: deletes events older than `retention.events_days` (keeping anonymous
/// daily counts) once a day, checking every hour whether a day has passed since the last purge.
struct RetentionService: Service {
    let engine: Engine
    let logger: Logger
    var checkEvery: Duration = .seconds(3600)

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let engine = self.engine
                let outcome = await onOwnThread(named: "kindred-retention") { try engine.purgeIfDue() }
                switch outcome {
                case .success(let purged?):
                    logger.info("retention purge", metadata: ["events": "\(purged.events)", "impressions": "\(purged.impressions)"])
                case .success(nil):
                    break
                case .failure(let error):
                    logger.error("retention purge failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: checkEvery)
            }
        }
    }
}

/// Runs blocking database work on a thread of its own, so that a long purge or update never holds
/// one of Swift's few cooperative threads that requests need.
func onOwnThread<T: Sendable>(named name: String, _ work: @escaping @Sendable () throws -> T) async -> Result<T, any Error> {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: Result { try work() }) }
        thread.name = name
        thread.start()
    }
}
