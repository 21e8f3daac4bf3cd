import Crypto
import Foundation
import GRDB

/// Experiments, who was assigned to which variant, and when they were first exposed.
public enum ExperimentStore {
    public struct Variant: Sendable, Equatable, Codable {
        public var name: String
        public var weight: Double
        /// What the variant serves: `algorithm:NAME`, `model:VERSION` or `default` (nil).
        public var strategy: String?

        public init(name: String, weight: Double, strategy: String? = nil) {
            self.name = name
            self.weight = weight
            self.strategy = strategy
        }
    }

    /// Who an experiment is for; an empty list does not restrict.
    public struct Targeting: Sendable, Equatable, Codable {
        public var device: [String] = []
        public var country: [String] = []
        public var segment: [String] = []

        public init(device: [String] = [], country: [String] = [], segment: [String] = []) {
            self.device = device
            self.country = country
            self.segment = segment
        }

        public var isEmpty: Bool { device.isEmpty && country.isEmpty && segment.isEmpty }
    }

    public struct Experiment: Sendable, Equatable {
        public var experimentPK: Int64
        public var key: String
        public var name: String
        public var status: String
        public var variants: [Variant]
        public var surface: String
        public var layer: String
        public var trafficShare: Double
        /// The experiment's slice of its layer while it runs.
        public var layerFrom: Double?
        public var layerTo: Double?
        public var targeting: Targeting
        public var shippedVariant: String?
        public var createdMs: Int64
        public var startedMs: Int64?
        public var stoppedMs: Int64?
    }

    public struct NewExperiment: Sendable, Equatable {
        public var key: String
        public var name: String
        public var variants: [Variant]
        public var surface = "recommendations"
        public var layer = "main"
        public var trafficShare = 1.0
        public var targeting = Targeting()

        public init(key: String, name: String, variants: [Variant]) {
            self.key = key
            self.name = name
            self.variants = variants
        }
    }

    /// Creates a draft; `start` gives it its slice of the layer.
    public static func create(_ new: NewExperiment, in db: Database, nowMs: Int64) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO experiments (key, name, status, variants, created_ms, surface, layer, traffic_share, targeting)
                VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                new.key, new.name, try json(new.variants), nowMs, new.surface, new.layer, new.trafficShare, try json(new.targeting),
            ])
        return db.lastInsertedRowID
    }

    static let columns = """
        experiment_pk, key, name, status, variants, surface, layer, traffic_share, layer_from, layer_to, targeting,
        shipped_variant, created_ms, started_ms, stopped_ms
        """

    static func experiment(row: Row) -> Experiment {
        let variantsJSON: String = row["variants"]
        let targetingJSON: String = row["targeting"]
        return Experiment(
            experimentPK: row["experiment_pk"], key: row["key"], name: row["name"], status: row["status"],
            variants: (try? JSONDecoder().decode([Variant].self, from: Data(variantsJSON.utf8))) ?? [],
            surface: row["surface"], layer: row["layer"], trafficShare: row["traffic_share"], layerFrom: row["layer_from"],
            layerTo: row["layer_to"], targeting: (try? JSONDecoder().decode(Targeting.self, from: Data(targetingJSON.utf8))) ?? Targeting(),
            shippedVariant: row["shipped_variant"], createdMs: row["created_ms"], startedMs: row["started_ms"], stoppedMs: row["stopped_ms"])
    }

    public static func experiment(key: String, in db: Database) throws -> Experiment? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM experiments WHERE key = ?", arguments: [key]).map(experiment(row:))
    }

    public static func list(in db: Database) throws -> [Experiment] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM experiments ORDER BY created_ms, experiment_pk").map(experiment(row:))
    }

    /// The running experiments that decide a surface, oldest start first: serving reads this
    /// on every request: one cached statement over a table of a handful of rows (not cached in memory yet).
    public static func running(surface: String, in db: Database) throws -> [Experiment] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT \(columns) FROM experiments WHERE status = 'running' AND surface = ? ORDER BY started_ms, experiment_pk"),
            arguments: [surface]
        ).map(experiment(row:))
    }

    public static func running(in db: Database) throws -> [Experiment] {
        try Row.fetchAll(
            db, sql: "SELECT \(columns) FROM experiments WHERE status = 'running' ORDER BY started_ms, experiment_pk"
        ).map(experiment(row:))
    }

    public static func start(experimentPK: Int64, layerFrom: Double, layerTo: Double, in db: Database, nowMs: Int64) throws {
        try db.execute(
            sql: "UPDATE experiments SET status = 'running', started_ms = ?, layer_from = ?, layer_to = ? WHERE experiment_pk = ?",
            arguments: [nowMs, layerFrom, layerTo, experimentPK])
    }

    public static func stop(experimentPK: Int64, shippedVariant: String?, in db: Database, nowMs: Int64) throws {
        try db.execute(
            sql: "UPDATE experiments SET status = 'stopped', stopped_ms = ?, shipped_variant = coalesce(?, shipped_variant) WHERE experiment_pk = ?",
            arguments: [nowMs, shippedVariant, experimentPK])
    }

    public static func assignment(experimentPK: Int64, userPK: Int64, in db: Database) throws -> String? {
        try String.fetchOne(
            db.cachedStatement(sql: "SELECT variant FROM assignments WHERE experiment_pk = ? AND user_pk = ?"),
            arguments: [experimentPK, userPK])
    }

    public static func assign(experimentPK: Int64, userPK: Int64, variant: String, in db: Database, nowMs: Int64) throws {
        try db.execute(
            sql: "INSERT INTO assignments (experiment_pk, user_pk, variant, assigned_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: [experimentPK, userPK, variant, nowMs])
    }

    /// People exposed per variant.
    public static func exposedCounts(experimentPK: Int64, in db: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try Row.fetchAll(
            db, sql: "SELECT variant, count(*) FROM assignments WHERE experiment_pk = ? AND exposed_ms IS NOT NULL GROUP BY variant",
            arguments: [experimentPK])
        {
            counts[row[0]] = row[1]
        }
        return counts
    }

    /// Whether the person is in any of the named segments.
    public static func isMember(userPK: Int64, ofAnySegment keys: [String], in db: Database) throws -> Bool {
        guard !keys.isEmpty else { return false }
        let marks = Array(repeating: "?", count: keys.count).joined(separator: ",")
        return try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS (SELECT 1 FROM segment_members AS m JOIN segments AS s USING (segment_pk)
                               WHERE m.user_pk = ? AND s.key IN (\(marks)))
                """, arguments: StatementArguments([userPK] as [Int64]) + StatementArguments(keys)) ?? false
    }

    /// A point in [0, 1) from SHA-256 of the experiment key (or layer) and the pseudonym.
    public static func point(experiment key: String, pseudonym: String) -> Double {
        let digest = Array(SHA256.hash(data: Data("\(key):\(pseudonym)".utf8)))
        let bits = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(bits >> 11) / Double(UInt64(1) << 53)
    }

    /// The profile of a pseudonym, created if it does not exist yet.
    public static func profile(pseudonym: String, in db: Database, nowMs: Int64) throws -> Int64 {
        try IdentityResolver(db: db, nowMs: nowMs).userPK(pseudonym: pseudonym)
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
