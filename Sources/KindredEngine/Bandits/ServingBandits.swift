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

/// The active bandit of each surface, solved once per change and never on a request's time
/// when it can be helped: the updater that folds outcomes in solves the new state and publishes
/// it here. A request only looks whether another process changed the state (at most every
/// `freshness` ms, one request at a time); the one that finds a change solves it while the
/// others keep serving the state they have. Solving (A^-1 of a few hundred features) takes tens
/// of milliseconds, and when every request that saw a change solved it, p99 paid for it.
final class ServingBandits: @unchecked Sendable {
    static var freshness: Int64 { 250 }

    typealias Stamp = (version: Int64, updatedMs: Int64)

    private struct Held {
        var stamp: Stamp?
        var checkedMs: Int64
        var bandit: ServingBandit
    }

    private let lock = NSLock()
    private var held: [String: Held] = [:]
    private var checking: Set<String> = []
    /// Serializes loading and solving, so that the first requests of a surface solve it once.
    private let solving = NSLock()

    /// The bandit of `surface`; a fresh prior from the current settings when none is stored yet.
    func bandit(surface: String, nowMs: Int64, database: KindredDatabase) throws -> ServingBandit {
        let (current, mine) = lock.withLock { () -> (Held?, Bool) in
            guard let current = held[surface] else { return (nil, false) }
            if nowMs >= current.checkedMs, nowMs - current.checkedMs < Self.freshness { return (current, false) }
            if checking.contains(surface) { return (current, false) }
            checking.insert(surface)
            return (current, true)
        }
        if let current, !mine { return current.bandit }
        defer { if mine { lock.withLock { _ = checking.remove(surface) } } }
        return try solving.withLock {
            // Another request may have solved it while this one waited.
            if current == nil, let solved = lock.withLock({ held[surface] }) { return solved.bandit }
            let (stamp, settings) = try database.writer.read { db in
                (try ContextualBanditStore.activeStamp(surface: surface, in: db), try BanditSettings.read(in: db))
            }
            if let current, Self.same(current.stamp, stamp),
                current.stamp != nil
                    || (current.bandit.config.lambda == settings.lambda && current.bandit.config.priorWeight == settings.priorWeight)
            {
                lock.withLock { held[surface]?.checkedMs = nowMs }
                return current.bandit
            }
            let record = try database.writer.read { db in try ContextualBanditStore.active(surface: surface, in: db) }
            let bandit = Self.solve(record: record, settings: settings)
            lock.withLock { held[surface] = Held(stamp: record.map { ($0.version, $0.updatedMs) }, checkedMs: nowMs, bandit: bandit) }
            return bandit
        }
    }

    /// A state just written by this process's updater, solved here so that requests need not.
    func publish(_ record: BanditVersionRecord, settings: BanditSettings, nowMs: Int64) {
        let bandit = Self.solve(record: record, settings: settings)
        solving.withLock {
            lock.withLock {
                // A newer state published meanwhile wins.
                if let current = held[record.surface]?.stamp, current.version == record.version, current.updatedMs > record.updatedMs { return }
                held[record.surface] = Held(stamp: (record.version, record.updatedMs), checkedMs: nowMs, bandit: bandit)
            }
        }
    }

    func invalidate() { lock.withLock { held.removeAll() } }

    static func same(_ a: Stamp?, _ b: Stamp?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (a?, b?): a == b
        default: false
        }
    }

    static func solve(record: BanditVersionRecord?, settings: BanditSettings) -> ServingBandit {
        if let record, let config = BanditConfig(json: record.config), let estimate = config.state(of: record)?.estimate() {
            return ServingBandit(
                version: record.version, config: config, estimate: estimate, through: (record.impressionsThrough, record.eventsThrough))
        }
        let config = BanditConfig(lambda: settings.lambda, priorWeight: settings.priorWeight, countries: [])
        return ServingBandit(version: nil, config: config, estimate: config.freshState().estimate()!)
    }
}
