import Crypto
import Foundation
import GRDB

/// Experiments and who was assigned to which variant.
public enum ExperimentStore {
    public struct Variant: Sendable, Equatable, Codable {
        public var name: String
        public var weight: Double

        public init(name: String, weight: Double) {
            self.name = name
            self.weight = weight
        }
    }

    public struct Experiment: Sendable, Equatable {
        public var experimentPK: Int64
        public var key: String
        public var status: String
        public var variants: [Variant]
    }

    public static func create(key: String, name: String, variants: [Variant], in db: Database, nowMs: Int64) throws {
        let json = try JSONEncoder().encode(variants)
        try db.execute(
            sql: """
                INSERT INTO experiments (key, name, status, variants, created_ms, started_ms)
                VALUES (?, ?, 'running', ?, ?, ?)
                """, arguments: [key, name, String(decoding: json, as: UTF8.self), nowMs, nowMs])
    }

    public static func experiment(key: String, in db: Database) throws -> Experiment? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT experiment_pk, key, status, variants FROM experiments WHERE key = ?", arguments: [key])
        else { return nil }
        let variantsJSON: String = row[3]
        let variants = (try? JSONDecoder().decode([Variant].self, from: Data(variantsJSON.utf8))) ?? []
        return Experiment(experimentPK: row[0], key: row[1], status: row[2], variants: variants)
    }

    public static func assignment(experimentPK: Int64, userPK: Int64, in db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT variant FROM assignments WHERE experiment_pk = ? AND user_pk = ?", arguments: [experimentPK, userPK])
    }

    public static func assign(experimentPK: Int64, userPK: Int64, variant: String, in db: Database, nowMs: Int64) throws {
        try db.execute(
            sql: "INSERT INTO assignments (experiment_pk, user_pk, variant, assigned_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            arguments: [experimentPK, userPK, variant, nowMs])
    }

    /// A point in [0, 1) from SHA-256 of the experiment key and the pseudonym.
    public static func point(experiment key: String, pseudonym: String) -> Double {
        let digest = Array(SHA256.hash(data: Data("\(key):\(pseudonym)".utf8)))
        let bits = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Double(bits >> 11) / Double(UInt64(1) << 53)
    }

    /// The profile of a pseudonym, created if it does not exist yet.
    public static func profile(pseudonym: String, in db: Database, nowMs: Int64) throws -> Int64 {
        try IdentityResolver(db: db, nowMs: nowMs).userPK(pseudonym: pseudonym)
    }
}
