import Foundation
import GRDB

/// A row of `model_versions`.
public struct ModelVersionRecord: Sendable, Codable, Equatable {
    public var version: Int64
    public var algorithm: String
    public var hyperparameters: String
    public var dataMaxEventPK: Int64?
    public var dataFromMs: Int64?
    public var dataToMs: Int64?
    public var users: Int
    public var items: Int
    public var interactions: Int
    public var metrics: String
    public var trainingSeconds: Double?
    public var status: String
    public var statusReason: String?
    public var createdMs: Int64
    public var activatedMs: Int64?

    public init(
        version: Int64 = 0, algorithm: String, hyperparameters: String, dataMaxEventPK: Int64?, dataFromMs: Int64?,
        dataToMs: Int64?, users: Int, items: Int, interactions: Int, metrics: String, trainingSeconds: Double?,
        status: String, statusReason: String?, createdMs: Int64, activatedMs: Int64? = nil
    ) {
        self.version = version
        self.algorithm = algorithm
        self.hyperparameters = hyperparameters
        self.dataMaxEventPK = dataMaxEventPK
        self.dataFromMs = dataFromMs
        self.dataToMs = dataToMs
        self.users = users
        self.items = items
        self.interactions = interactions
        self.metrics = metrics
        self.trainingSeconds = trainingSeconds
        self.status = status
        self.statusReason = statusReason
        self.createdMs = createdMs
        self.activatedMs = activatedMs
    }

    init(row: Row) {
        self.init(
            version: row["version"], algorithm: row["algorithm"], hyperparameters: row["hyperparameters"],
            dataMaxEventPK: row["data_max_event_pk"], dataFromMs: row["data_from_ms"], dataToMs: row["data_to_ms"],
            users: row["users"], items: row["items"], interactions: row["interactions"], metrics: row["metrics"],
            trainingSeconds: row["training_seconds"], status: row["status"], statusReason: row["status_reason"],
            createdMs: row["created_ms"], activatedMs: row["activated_ms"])
    }
}

/// Model versions and their weights in the database: written once by training, read by
/// serving. Activation is one transaction, so exactly one version is active at any time.
public enum ModelRegistry {
    /// Inserts a version's row and returns its number.
    public static func insert(_ record: ModelVersionRecord, in db: Database) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO model_versions (algorithm, hyperparameters, data_max_event_pk, data_from_ms, data_to_ms, users,
                    items, interactions, metrics, training_seconds, status, status_reason, created_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.algorithm, record.hyperparameters, record.dataMaxEventPK, record.dataFromMs, record.dataToMs,
                record.users, record.items, record.interactions, record.metrics, record.trainingSeconds, record.status,
                record.statusReason, record.createdMs,
            ])
        return db.lastInsertedRowID
    }

    /// One vector per item (row-major `vectors`, `dimension` floats each).
    public static func writeItemVectors(version: Int64, itemPKs: [Int64], vectors: [Float], dimension: Int, in db: Database) throws {
        let statement = try FastStatement("INSERT INTO model_item_vectors (version, item_pk, vector) VALUES (?, ?, ?)", in: db)
        try writeVectors(statement, version: version, keys: itemPKs, vectors: vectors, dimension: dimension)
    }

    /// One vector per user; erasing a user deletes their vector with them.
    public static func writeUserVectors(version: Int64, userPKs: [Int64], vectors: [Float], dimension: Int, in db: Database) throws {
        let statement = try FastStatement("INSERT INTO model_user_vectors (version, user_pk, vector) VALUES (?, ?, ?)", in: db)
        try writeVectors(statement, version: version, keys: userPKs, vectors: vectors, dimension: dimension)
    }

    private static func writeVectors(_ statement: FastStatement, version: Int64, keys: [Int64], vectors: [Float], dimension: Int) throws {
        for (row, key) in keys.enumerated() {
            let blob = FloatBlob.encode(vectors[(row * dimension)..<((row + 1) * dimension)])
            try statement.run { binder in
                binder.bind(version)
                binder.bind(key)
                binder.bind(blob)
            }
        }
    }

    public static func writeArtifact(version: Int64, name: String, encoding: String, data: Data, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO model_artifacts (version, name, encoding, data) VALUES (?, ?, ?, ?)",
            arguments: [version, name, encoding, data])
    }

    /// Writes an artifact that may be written again for the same version (a learned ranker
    /// re-trained on top of the model it re-ranks), replacing the earlier one.
    public static func replaceArtifact(version: Int64, name: String, encoding: String, data: Data, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO model_artifacts (version, name, encoding, data) VALUES (?, ?, ?, ?)",
            arguments: [version, name, encoding, data])
    }

    public static func readItemVectors(version: Int64, in db: Database) throws -> [(itemPK: Int64, vector: [Float])] {
        try Row.fetchAll(db, sql: "SELECT item_pk, vector FROM model_item_vectors WHERE version = ? ORDER BY item_pk", arguments: [version])
            .map { ($0[0], FloatBlob.decodeFloats($0[1])) }
    }

    public static func readUserVectors(version: Int64, in db: Database) throws -> [(userPK: Int64, vector: [Float])] {
        try Row.fetchAll(db, sql: "SELECT user_pk, vector FROM model_user_vectors WHERE version = ? ORDER BY user_pk", arguments: [version])
            .map { ($0[0], FloatBlob.decodeFloats($0[1])) }
    }

    /// Up to `limit` people both versions hold a vector for, spread over the key range by a
    /// fixed multiplicative hash so that the sample is the same every time and not just the
    /// oldest profiles.
    /// When either version keeps no person vectors (neighbour models), people with a vector in
    /// the other, or else any people, by the same hash.
    public static func peopleInBoth(_ a: Int64, _ b: Int64, limit: Int, in db: Database) throws -> [Int64] {
        func holdsPeople(_ version: Int64) throws -> Bool {
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM model_user_vectors WHERE version = ?)", arguments: [version]) ?? false
        }
        switch (try holdsPeople(a), try holdsPeople(b)) {
        case (true, true): break
        case (true, false), (false, true):
            return try Int64.fetchAll(
                db,
                sql: """
                    SELECT user_pk FROM model_user_vectors WHERE version IN (?1, ?2)
                    ORDER BY (user_pk * 2654435761) % 4294967311, user_pk LIMIT ?3
                    """, arguments: [a, b, limit])
        case (false, false):
            return try Int64.fetchAll(
                db, sql: "SELECT user_pk FROM users ORDER BY (user_pk * 2654435761) % 4294967311, user_pk LIMIT ?", arguments: [limit])
        }
        return try Int64.fetchAll(
            db,
            sql: """
                SELECT a.user_pk FROM model_user_vectors a
                JOIN model_user_vectors b ON b.version = ?2 AND b.user_pk = a.user_pk
                WHERE a.version = ?1 ORDER BY (a.user_pk * 2654435761) % 4294967311, a.user_pk LIMIT ?3
                """, arguments: [a, b, limit])
    }

    public static func readArtifact(version: Int64, name: String, in db: Database) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT data FROM model_artifacts WHERE version = ? AND name = ?", arguments: [version, name])
    }

    public static func list(in db: Database) throws -> [ModelVersionRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM model_versions ORDER BY version").map(ModelVersionRecord.init(row:))
    }

    public static func record(version: Int64, in db: Database) throws -> ModelVersionRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM model_versions WHERE version = ?", arguments: [version]).map(ModelVersionRecord.init(row:))
    }

    public static func active(in db: Database) throws -> ModelVersionRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM model_versions WHERE status = 'active'").map(ModelVersionRecord.init(row:))
    }

    public static func activeVersion(in db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT version FROM model_versions WHERE status = 'active'"))
    }

    /// Makes `version` the active one and retires the previous, in the caller's transaction.
    public static func activate(version: Int64, reason: String, nowMs: Int64, in db: Database) throws {
        try db.execute(sql: "UPDATE model_versions SET status = 'retired' WHERE status = 'active' AND version <> ?", arguments: [version])
        try db.execute(
            sql: "UPDATE model_versions SET status = 'active', status_reason = ?, activated_ms = ? WHERE version = ?",
            arguments: [reason, nowMs, version])
    }

    public static func setTrainingSeconds(version: Int64, seconds: Double, in db: Database) throws {
        try db.execute(sql: "UPDATE model_versions SET training_seconds = ? WHERE version = ?", arguments: [seconds, version])
    }

    public static func setStatus(version: Int64, status: String, reason: String, in db: Database) throws {
        try db.execute(
            sql: "UPDATE model_versions SET status = ?, status_reason = ? WHERE version = ?", arguments: [status, reason, version])
    }

    /// The newest version of an algorithm that can serve (any trained one: active, kept for an
    /// experiment, rejected by the activation rule, or retired), for `algorithm:NAME` strategies.
    public static func newestServable(algorithm: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT max(version) FROM model_versions
                    WHERE algorithm = ? AND status IN ('active', 'ready', 'rejected', 'retired')
                    """), arguments: [algorithm])
    }

    /// Whether a version was trained and can serve.
    public static func isServable(version: Int64, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(
                sql:
                    "SELECT EXISTS (SELECT 1 FROM model_versions WHERE version = ? AND status IN ('active', 'ready', 'rejected', 'retired'))"
            ),
            arguments: [version]) ?? false
    }
}
