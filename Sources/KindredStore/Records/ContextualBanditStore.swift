import Foundation
import GRDB

/// One version of a surface's contextual bandit (table bandit_versions).
public struct BanditVersionRecord: Sendable, Equatable {
    public var version: Int64
    public var surface: String
    public var status: String
    public var createdMs: Int64
    public var updatedMs: Int64
    /// JSON: lambda, the prior's weight on the model's order, the main countries.
    public var config: String
    public var dimension: Int
    public var gram: [Double]
    public var rewards: [Double]
    public var displays: Int
    public var outcomes: Int
    public var rewardTotal: Double
    public var impressionsThrough: Int64
    public var eventsThrough: Int64

    public init(
        version: Int64 = 0, surface: String, status: String = "active", createdMs: Int64, updatedMs: Int64, config: String,
        dimension: Int, gram: [Double], rewards: [Double], displays: Int = 0, outcomes: Int = 0, rewardTotal: Double = 0,
        impressionsThrough: Int64, eventsThrough: Int64
    ) {
        self.version = version
        self.surface = surface
        self.status = status
        self.createdMs = createdMs
        self.updatedMs = updatedMs
        self.config = config
        self.dimension = dimension
        self.gram = gram
        self.rewards = rewards
        self.displays = displays
        self.outcomes = outcomes
        self.rewardTotal = rewardTotal
        self.impressionsThrough = impressionsThrough
        self.eventsThrough = eventsThrough
    }
}

/// A displayed list of a bandit version, as its displays are folded in.
public struct BanditDisplay: Sendable {
    public var impressionPK: Int64
    public var items: String
    public var exploration: String
}

/// An outcome (click, cart, purchase) that followed an item of a bandit version's list.
public struct BanditOutcome: Sendable {
    public var eventPK: Int64
    public var type: String
    public var itemID: String
    public var exploration: String
}

/// One logged list, as a replay reads it.
public struct LoggedList: Sendable {
    public var requestID: String
    public var surface: String
    public var items: String
    public var exploration: String?
}

/// Versions of the contextual bandits and what they learn from.
public enum ContextualBanditStore {
    static let columns = """
        version, surface, status, created_ms, updated_ms, config, dimension, gram, rewards, displays, outcomes, reward_total,
        impressions_through, events_through
        """

    static func record(_ row: Row) -> BanditVersionRecord {
        BanditVersionRecord(
            version: row["version"], surface: row["surface"], status: row["status"], createdMs: row["created_ms"],
            updatedMs: row["updated_ms"], config: row["config"], dimension: row["dimension"],
            gram: FloatBlob.decodeDoubles(row["gram"]), rewards: FloatBlob.decodeDoubles(row["rewards"]), displays: row["displays"],
            outcomes: row["outcomes"], rewardTotal: row["reward_total"], impressionsThrough: row["impressions_through"],
            eventsThrough: row["events_through"])
    }

    /// The active version of `surface`, or nil.
    public static func active(surface: String, in db: Database) throws -> BanditVersionRecord? {
        try Row.fetchOne(
            db, sql: "SELECT \(columns) FROM bandit_versions WHERE surface = ? AND status = 'active'", arguments: [surface]
        ).map(record)
    }

    /// When the active version of `surface` last changed (its version and time), without
    /// reading its state: what a serving cache checks before reloading.
    public static func activeStamp(surface: String, in db: Database) throws -> (version: Int64, updatedMs: Int64)? {
        try Row.fetchOne(
            db, sql: "SELECT version, updated_ms FROM bandit_versions WHERE surface = ? AND status = 'active'", arguments: [surface]
        ).map { ($0["version"], $0["updated_ms"]) }
    }

    public static func version(_ version: Int64, in db: Database) throws -> BanditVersionRecord? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM bandit_versions WHERE version = ?", arguments: [version]).map(record)
    }

    /// Every version, newest first, without their state.
    public static func all(in db: Database) throws -> [BanditVersionRecord] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM bandit_versions ORDER BY version DESC").map { row in
            var record = record(row)
            record.gram = []
            record.rewards = []
            return record
        }
    }

    /// Retires the active version of `surface` (if any) and inserts `record` as the active one;
    /// returns its version number and the retired one's.
    public static func start(_ record: BanditVersionRecord, in db: Database) throws -> (version: Int64, retired: Int64?) {
        let retired = try Int64.fetchOne(
            db, sql: "SELECT version FROM bandit_versions WHERE surface = ? AND status = 'active'", arguments: [record.surface])
        try db.execute(
            sql: "UPDATE bandit_versions SET status = 'retired', updated_ms = ? WHERE surface = ? AND status = 'active'",
            arguments: [record.createdMs, record.surface])
        try db.execute(
            sql: """
                INSERT INTO bandit_versions (surface, status, created_ms, updated_ms, config, dimension, gram, rewards,
                                             impressions_through, events_through)
                VALUES (?, 'active', ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.surface, record.createdMs, record.updatedMs, record.config, record.dimension, FloatBlob.encode(record.gram),
                FloatBlob.encode(record.rewards), record.impressionsThrough, record.eventsThrough,
            ])
        return (db.lastInsertedRowID, retired)
    }

    /// Writes a version's learned state and watermarks.
    public static func saveState(_ record: BanditVersionRecord, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE bandit_versions SET updated_ms = ?, gram = ?, rewards = ?, displays = ?, outcomes = ?, reward_total = ?,
                       impressions_through = ?, events_through = ?
                WHERE version = ?
                """,
            arguments: [
                record.updatedMs, FloatBlob.encode(record.gram), FloatBlob.encode(record.rewards), record.displays, record.outcomes,
                record.rewardTotal, record.impressionsThrough, record.eventsThrough, record.version,
            ])
    }

    /// Moves a version's watermarks past rows that held nothing for it.
    public static func saveWatermarks(_ record: BanditVersionRecord, in db: Database) throws {
        try db.execute(
            sql: "UPDATE bandit_versions SET impressions_through = ?, events_through = ? WHERE version = ?",
            arguments: [record.impressionsThrough, record.eventsThrough, record.version])
    }

    /// The newest impression and event: where a new version starts learning from.
    public static func watermarks(in db: Database) throws -> (impressions: Int64, events: Int64) {
        (
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(impression_pk), 0) FROM impressions") ?? 0,
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(event_pk), 0) FROM events") ?? 0
        )
    }

    /// Lists `version` displayed after impression `after` (up to `through`), oldest first.
    public static func displays(version: Int64, after: Int64, through: Int64 = .max, in db: Database) throws -> [BanditDisplay] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT impression_pk, items, exploration FROM impressions
                WHERE impression_pk > ? AND impression_pk <= ? AND exploration IS NOT NULL
                  AND json_extract(exploration, '$.bandit_version') = ?
                ORDER BY impression_pk
                """, arguments: [after, through, version]
        ).map { BanditDisplay(impressionPK: $0["impression_pk"], items: $0["items"], exploration: $0["exploration"]) }
    }

    /// Clicks, carts and purchases filed after event `after` (up to `through`) that follow a list
    /// of `version`, with the list's exploration record, oldest first.
    public static func outcomes(version: Int64, after: Int64, through: Int64 = .max, in db: Database) throws -> [BanditOutcome] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT e.event_pk, e.type, it.item_id, i.exploration
                FROM events AS e JOIN items AS it USING (item_pk) JOIN impressions AS i ON i.request_id = e.request_id
                WHERE e.event_pk > ? AND e.event_pk <= ? AND e.request_id IS NOT NULL AND e.type IN ('click', 'add_to_cart', 'purchase')
                  AND i.exploration IS NOT NULL AND json_extract(i.exploration, '$.bandit_version') = ?
                ORDER BY e.event_pk
                """, arguments: [after, through, version]
        ).map { BanditOutcome(eventPK: $0["event_pk"], type: $0["type"], itemID: $0["item_id"], exploration: $0["exploration"]) }
    }

    /// The shop's most frequent countries among its events, most frequent first.
    public static func mainCountries(limit: Int, in db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT lower(country) FROM events WHERE country IS NOT NULL AND country <> ''
                GROUP BY lower(country) ORDER BY count(*) DESC, lower(country) LIMIT ?
                """, arguments: [limit])
    }

    /// The shop's most frequent regions among its events, most frequent first.
    public static func mainRegions(limit: Int, in db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT lower(region) FROM events WHERE region IS NOT NULL AND region <> ''
                GROUP BY lower(region) ORDER BY count(*) DESC, lower(region) LIMIT ?
                """, arguments: [limit])
    }

    /// The list logged under `requestID`, or nil.
    public static func loggedList(requestID: String, in db: Database) throws -> LoggedList? {
        try Row.fetchOne(db, sql: "SELECT request_id, surface, items, exploration FROM impressions WHERE request_id = ?", arguments: [requestID])
            .map { LoggedList(requestID: $0["request_id"], surface: $0["surface"], items: $0["items"], exploration: $0["exploration"]) }
    }
}
