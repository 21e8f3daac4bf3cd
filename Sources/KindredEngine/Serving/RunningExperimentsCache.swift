import Foundation
import KindredStore

/// The running experiments of each surface, as serving asks for them on every request that
/// names a person: held in memory so that a shop with no experiment running pays nothing for
/// the feature, and one with experiments skips decoding their definitions each time. The
/// lifecycle use cases forget it when they change an experiment; a change made by another
/// process (the CLI beside a running server) is seen within `freshness` seconds.
final class RunningExperimentsCache: @unchecked Sendable {
    static let freshness: Int64 = 2_000

    private let lock = NSLock()
    private var held: [String: (experiments: [ExperimentStore.Experiment], loadedMs: Int64)] = [:]

    func running(surface: String, nowMs: Int64, load: () throws -> [ExperimentStore.Experiment]) rethrows -> [ExperimentStore.Experiment] {
        if let entry = lock.withLock({ held[surface] }), nowMs >= entry.loadedMs, nowMs - entry.loadedMs < Self.freshness {
            return entry.experiments
        }
        let experiments = try load()
        lock.withLock { held[surface] = (experiments, nowMs) }
        return experiments
    }

    func invalidate() {
        lock.withLock { held = [:] }
    }
}
