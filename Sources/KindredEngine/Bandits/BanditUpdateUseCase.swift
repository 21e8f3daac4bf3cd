import Foundation
import KindredLearning
import KindredStore

/// What one update folded into a surface's bandit.
public struct BanditUpdate: Sendable, Equatable, Codable {
    public var surface: String
    public var version: Int64
    /// Displayed items and outcomes folded in by this update.
    public var displays: Int
    public var outcomes: Int
    public var reward: Double
    /// The version was started by this update (its surface had turned to a bandit policy).
    public var started: Bool
}

/// A bandit version as `kindred bandit status` reports it.
public struct BanditStatus: Sendable, Equatable, Codable {
    public var version: Int64
    public var surface: String
    public var status: String
    public var createdAt: String
    public var updatedAt: String
    public var lambda: Double
    public var priorWeight: Double
    public var countries: [String]
    /// The segments with a context slot of their own.
    public var segments: [String]
    /// The main regions, each with a context slot of its own.
    public var regions: [String]
    public var dimension: Int
    public var displays: Int
    public var outcomes: Int
    public var rewardTotal: Double
    /// The surface's exploration policy now (active versions only).
    public var policy: String?
}

extension Engine {
    /// Brings every active bandit up to date with the lists it displayed and the outcomes that
    /// followed them (by request id) since its watermarks, and starts a version for a surface
    /// whose policy turned to its bandit without one. One write transaction: a crash leaves the
    /// state as it was, and the next update folds the same rows in. Cheap when nothing is new.
    @discardableResult
    public func updateBandits() throws -> [BanditUpdate] {
        let needed = try database.writer.read { db -> Bool in
            let settings = try ServingSettings.read(in: db)
            for surface in ServingSettings.explorationSurfaces {
                if settings.exploration(for: surface).policy.usesBandit { return true }
                if try ContextualBanditStore.activeStamp(surface: surface, in: db) != nil { return true }
            }
            return false
        }
        guard needed else { return [] }
        let now = clock.now()
        var saved: [BanditVersionRecord] = []
        var banditSettings = BanditSettings()
        let updates = try database.writer.write { db -> [BanditUpdate] in
            saved = []
            banditSettings = try BanditSettings.read(in: db)
            let settings = try ServingSettings.read(in: db)
            let rewards = banditSettings.rewards
            let (impressionsThrough, eventsThrough) = try ContextualBanditStore.watermarks(in: db)
            var updates: [BanditUpdate] = []
            for surface in ServingSettings.explorationSurfaces {
                var started = false
                if try ContextualBanditStore.active(surface: surface, in: db) == nil, settings.exploration(for: surface).policy.usesBandit {
                    try startBandit(surface: surface, reason: "policy \(settings.exploration(for: surface).policy.rawValue)", in: db, nowMs: now)
                    started = true
                }
                guard var record = try ContextualBanditStore.active(surface: surface, in: db),
                    let config = BanditConfig(json: record.config), var state = config.state(of: record)
                else { continue }
                let before = (state.displays, state.outcomes, state.rewardTotal)
                try Self.fold(
                    version: record.version, config: config, rewards: rewards, after: (record.impressionsThrough, record.eventsThrough),
                    through: (impressionsThrough, eventsThrough), into: &state, in: db)
                let changed = (state.displays, state.outcomes, state.rewardTotal) != before
                let moved = record.impressionsThrough != impressionsThrough || record.eventsThrough != eventsThrough
                guard changed || moved || started else { continue }
                record.impressionsThrough = impressionsThrough
                record.eventsThrough = eventsThrough
                if changed {
                    record.updatedMs = now
                    record.gram = state.gram
                    record.rewards = state.rewards
                    record.displays = state.displays
                    record.outcomes = state.outcomes
                    record.rewardTotal = state.rewardTotal
                    try ContextualBanditStore.saveState(record, in: db)
                    saved.append(record)
                } else {
                    try ContextualBanditStore.saveWatermarks(record, in: db)
                }
                if changed || started {
                    updates.append(
                        BanditUpdate(
                            surface: surface, version: record.version, displays: state.displays - before.0, outcomes: state.outcomes - before.1,
                            reward: state.rewardTotal - before.2, started: started))
                }
            }
            return updates
        }
        // Solved here, on the updater's time, rather than by the next request.
        if updates.contains(where: \.started) { bandits.invalidate() }
        for record in saved { bandits.publish(record, settings: banditSettings, nowMs: now) }
        return updates
    }

    /// Retires the active bandit of `surface` (if any) and starts a fresh one from the current
    /// `bandit.*` settings; audited. What the old version learned stays in its row.
    public func resetBandit(surface: String) throws -> (version: Int64, retired: Int64?) {
        guard ServingSettings.explorationSurfaces.contains(surface) else {
            throw RequestProblem(
                .invalid, code: "invalid_parameter",
                message: "surface must be one of \(ServingSettings.explorationSurfaces.joined(separator: ", ")), not '\(surface)'",
                field: "surface")
        }
        defer { bandits.invalidate() }
        return try database.writer.write { db in try startBandit(surface: surface, reason: "reset", in: db, nowMs: clock.now()) }
    }

    /// Every bandit version, newest first.
    public func banditStatus() throws -> [BanditStatus] {
        try database.writer.read { db in
            let settings = try ServingSettings.read(in: db)
            return try ContextualBanditStore.all(in: db).map { record in
                let config = BanditConfig(json: record.config)
                return BanditStatus(
                    version: record.version, surface: record.surface, status: record.status,
                    createdAt: TimestampFormatter.iso8601(milliseconds: record.createdMs), updatedAt: TimestampFormatter.iso8601(milliseconds: record.updatedMs), lambda: config?.lambda ?? 0,
                    priorWeight: config?.priorWeight ?? 0, countries: config?.countries ?? [], segments: config?.segments ?? [], regions: config?.regions ?? [], dimension: record.dimension,
                    displays: record.displays, outcomes: record.outcomes, rewardTotal: record.rewardTotal,
                    policy: record.status == "active" ? settings.exploration(for: record.surface).policy.rawValue : nil)
            }
        }
    }

    /// Starts a version of `surface`'s bandit from the current settings, learning from what
    /// follows; audited.
    @discardableResult
    func startBandit(surface: String, reason: String, in db: StoreConnection, nowMs: Int64) throws -> (version: Int64, retired: Int64?) {
        let settings = try BanditSettings.read(in: db)
        let config = BanditConfig(
            lambda: settings.lambda, priorWeight: settings.priorWeight,
            countries: settings.countries > 0 ? try ContextualBanditStore.mainCountries(limit: settings.countries, in: db) : [],
            segments: Array(try SegmentStore.liveSegments(in: db).filter { $0.kind == "cluster" }.map(\.key).prefix(20)),
            regions: settings.regions > 0 ? try ContextualBanditStore.mainRegions(limit: settings.regions, in: db) : [])
        let state = config.freshState()
        let (impressions, events) = try ContextualBanditStore.watermarks(in: db)
        let started = try ContextualBanditStore.start(
            BanditVersionRecord(
                surface: surface, createdMs: nowMs, updatedMs: nowMs, config: config.json, dimension: state.dimension, gram: state.gram,
                rewards: state.rewards, impressionsThrough: impressions, eventsThrough: events),
            in: db)
        var details: [String: any Sendable] = [
            "surface": surface, "version": started.version, "reason": reason, "lambda": config.lambda, "countries": config.countries,
        ]
        if let retired = started.retired { details["retired"] = retired }
        try AuditLog.append(action: "bandit_start", actor: actor, details: details, in: db, nowMs: nowMs)
        return started
    }

    /// Folds into `state` the displays of `version`'s lists and the outcomes that followed them,
    /// between the watermarks: what an update adds, and (from the beginning) how a replay
    /// rebuilds the state a list was decided with. Rows are taken in key order, so the sums come
    /// out bit for bit the same however the updates were batched.
    static func fold(
        version: Int64, config: BanditConfig, rewards: [String: Double], after: (impressions: Int64, events: Int64),
        through: (impressions: Int64, events: Int64), into state: inout LinearBanditState, in db: StoreConnection
    ) throws {
        for display in try ContextualBanditStore.displays(version: version, after: after.impressions, through: through.impressions, in: db) {
            guard let list = LoggedBanditList(exploration: display.exploration, config: config) else { continue }
            for itemID in shownItemIDs(display.items) {
                if let x = list.features(of: itemID) { state.observeDisplay(x) }
            }
        }
        for outcome in try ContextualBanditStore.outcomes(version: version, after: after.events, through: through.events, in: db) {
            guard let reward = rewards[outcome.type], reward != 0,
                let list = LoggedBanditList(exploration: outcome.exploration, config: config), let x = list.features(of: outcome.itemID)
            else { continue }
            state.observeReward(reward, for: x)
        }
    }

    /// The item ids of a logged list, in order.
    static func shownItemIDs(_ items: String) -> [String] {
        guard let list = try? JSONSerialization.jsonObject(with: Data(items.utf8)) as? [[String: Any]] else { return [] }
        return list.compactMap { $0["item_id"] as? String }
    }
}

/// A bandit list's exploration record read back: the features each pool item was chosen with.
struct LoggedBanditList {
    let pool: [String]
    let facts: [BanditItemFacts]
    let context: BanditContext
    let layout: BanditFeatures

    init?(exploration: String, config: BanditConfig) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(exploration.utf8)) as? [String: Any],
            let pool = object["pool"] as? [String], let arms = object["arms"] as? [Any], arms.count == pool.count,
            let context = BanditContextRecord(json: object["context"])
        else { return nil }
        let facts = arms.compactMap(BanditItemFacts.init(logged:))
        guard facts.count == pool.count else { return nil }
        self.pool = pool
        self.facts = facts
        self.context = context.context(config)
        layout = config.layout
    }

    /// The joint features of a pool item (its rank is its place in the pool); nil for an item
    /// not in the pool.
    func features(of itemID: String) -> [SparseFeature]? {
        guard let rank = pool.firstIndex(of: itemID) else { return nil }
        return layout.features(context: context, arm: facts[rank].arm(rank: rank))
    }
}
