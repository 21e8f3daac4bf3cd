import Foundation
import KindredLearning
import KindredStore

/// A surface's bandit as serving uses it: its version (nil for a prior not yet stored), its
/// configuration and its solved state.
struct ServingBandit: Sendable {
    let version: Int64?
    let config: BanditConfig
    let estimate: LinearBanditEstimate
    /// The impression and event the state has folded in, logged with each list so that its
    /// decision can be replayed from the state as it was.
    var through: (impressions: Int64, events: Int64) = (0, 0)
}

/// The active bandit of each surface, solved once per change rather than per request. The
/// stamp (version and last update) is looked up at most every `freshness` milliseconds, so an
/// update filed by the server's updater or by another process is served within that time plus
/// one solve.
final class ServingBandits: @unchecked Sendable {
    static var freshness: Int64 { 250 }

    private struct Held {
        var stamp: (version: Int64, updatedMs: Int64)?
        var checkedMs: Int64
        var bandit: ServingBandit
    }

    private let lock = NSLock()
    private var held: [String: Held] = [:]

    /// The bandit of `surface`; a fresh prior from the current settings when none is stored yet.
    func bandit(surface: String, nowMs: Int64, database: KindredDatabase) throws -> ServingBandit {
        if let current = lock.withLock({ held[surface] }), nowMs >= current.checkedMs, nowMs - current.checkedMs < Self.freshness {
            return current.bandit
        }
        func same(_ a: (version: Int64, updatedMs: Int64)?, _ b: (version: Int64, updatedMs: Int64)?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case let (a?, b?): a == b
            default: false
            }
        }
        let previous = lock.withLock { held[surface] }
        let (stamp, record, settings) = try database.writer.read { db in
            let stamp = try ContextualBanditStore.activeStamp(surface: surface, in: db)
            let unchanged = previous.map { same($0.stamp, stamp) } ?? false
            let record = unchanged ? nil : try ContextualBanditStore.active(surface: surface, in: db)
            return (stamp, record, try BanditSettings.read(in: db))
        }
        if let previous, same(previous.stamp, stamp), previous.stamp != nil || previous.bandit.config.lambda == settings.lambda
            && previous.bandit.config.priorWeight == settings.priorWeight
        {
            lock.withLock { held[surface]?.checkedMs = nowMs }
            return previous.bandit
        }
        let bandit = Self.solve(record: record, settings: settings)
        lock.withLock { held[surface] = Held(stamp: record.map { ($0.version, $0.updatedMs) }, checkedMs: nowMs, bandit: bandit) }
        return bandit
    }

    func invalidate() { lock.withLock { held.removeAll() } }

    static func solve(record: BanditVersionRecord?, settings: BanditSettings) -> ServingBandit {
        if let record, let config = BanditConfig(json: record.config), let estimate = config.state(of: record)?.estimate() {
            return ServingBandit(
                version: record.version, config: config, estimate: estimate, through: (record.impressionsThrough, record.eventsThrough))
        }
        let config = BanditConfig(lambda: settings.lambda, priorWeight: settings.priorWeight, countries: [])
        return ServingBandit(version: nil, config: config, estimate: config.freshState().estimate()!)
    }
}
