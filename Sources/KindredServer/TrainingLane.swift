import Foundation
import KindredEngine

/// Runs training one run at a time, on a thread of its own: never on a thread that answers
/// requests. The scheduler and `POST /v1/models/train` share it, so that they never overlap.
final class TrainingLane: @unchecked Sendable {
    struct Busy: Error {}

    private let lock = NSLock()
    private var running = false
    private let metrics: ServerMetrics

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    var isRunning: Bool { lock.withLock { running } }

    /// Runs `work` on a new thread and returns its outcome; throws `Busy` when a run is going.
    func run(_ work: @escaping @Sendable () -> RetrainOutcome) async throws -> RetrainOutcome {
        let claimed = lock.withLock { () -> Bool in
            if running { return false }
            running = true
            return true
        }
        guard claimed else { throw Busy() }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<RetrainOutcome, Never>) in
            let thread = Thread {
                let started = DispatchTime.now().uptimeNanoseconds
                let outcome = work()
                if case .trained = outcome {
                    self.metrics.trainingDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - started))
                }
                continuation.resume(returning: outcome)
            }
            thread.name = "kindred-training"
            thread.stackSize = 8 << 20
            thread.start()
        }
        lock.withLock { running = false }
        switch outcome {
        case .trained: metrics.trainingRuns["trained"]?.increment()
        case .skipped: metrics.trainingRuns["skipped"]?.increment()
        case .failed: metrics.trainingRuns["failed"]?.increment()
        }
        return outcome
    }
}
