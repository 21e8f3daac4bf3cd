import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

@Suite struct MigrationTests {
    @Test func theBinaryCarriesExactlyTheMigrationsFolder() throws {
        let folder = (Repository.root as NSString).appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count == Migration.embedded.count, "run scripts/embed-migrations.sh after adding a migration")
        for (file, migration) in zip(files, Migration.embedded) {
            let sql = try String(contentsOfFile: (folder as NSString).appendingPathComponent(file), encoding: .utf8)
            #expect(file == String(format: "%04d_%@.sql", migration.version, migration.name))
            #expect(Migration.normalized(sql) == Migration.normalized(migration.sql), "\(file) differs from the embedded copy")
        }
        #expect(Migration.embedded.map(\.version) == Array(1...Migration.embedded.count))
    }

    /// Event writes trust that every parsed type and device names a row of these tables
    /// (`ForeignKeyChecks.trusted`): a new case needs a migration that adds its row.
    @Test func everyEventTypeAndDeviceHasItsRow() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        try database.writer.read { (db: Database) throws -> Void in
            #expect(try String.fetchSet(db, sql: "SELECT type FROM event_types") == Set(EventType.allCases.map(\.rawValue)))
            #expect(try String.fetchSet(db, sql: "SELECT device FROM device_classes") == Set(Device.allCases.map(\.rawValue)))
        }
    }

    @Test(arguments: [KindredDatabase.Access.pool, .queue])
    func aNewDatabaseHasTheWholeSchemaAndItsSettings(access: KindredDatabase.Access) throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory, access: access)
        try database.writer.read { (db: Database) throws -> Void in
            for table in [
                "settings", "items", "users", "events", "consents", "segments", "segment_members",
                "model_versions", "model_item_vectors", "model_user_vectors", "model_artifacts",
                "experiments", "assignments", "audit_log", "jobs", "schema_migrations", "api_keys", "impressions", "token_secrets",
            ] {
                #expect(try db.tableExists(table), "missing table \(table)")
            }
            for view in [
                "current_consents", "daily_event_counts", "active_model", "events_readable", "segment_sizes", "top_items",
                "impression_outcomes", "api_keys_readable", "token_secrets_readable",
            ] {
                #expect(try db.viewExists(view), "missing view \(view)")
            }
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(try Int.fetchOne(db, sql: "PRAGMA foreign_keys") == 1)
            #expect(try Int.fetchOne(db, sql: "PRAGMA synchronous") == 1)  // NORMAL
            #expect(try Migrator.currentVersion(db) == Migrator().latestVersion)
        }
    }

    @Test func reopeningAppliesNothingAgain() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        #expect(try Migrator().migrate(database.writer, nowMs: 1).isEmpty)
    }

    @Test func aDatabaseNewerThanTheBinaryIsRefused() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        try database.writer.write { db in
            try db.execute(sql: "INSERT INTO schema_migrations VALUES (999, 'from_the_future', 'x', 0)")
        }
        #expect(throws: StoreError.schemaTooNew(databaseVersion: 999, binaryVersion: Migrator().latestVersion)) {
            _ = try KindredDatabase.open(at: database.path, keyPath: database.keyPath, nowMs: 1)
        }
    }

    @Test func anEditedMigrationIsRefused() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let edited = Migration.embedded.map { Migration(version: $0.version, name: $0.name, sql: $0.sql + "\nCREATE TABLE sneaky (x);") }
        #expect(throws: StoreError.migrationChanged(version: 1, name: "initial_schema")) {
            try Migrator(migrations: edited).migrate(database.writer, nowMs: 1)
        }
    }

    /// Migration 16 rebuilds `experiments` (to loosen its surface check) with foreign keys off:
    /// an experiment, its assignments and report rows come through unchanged, the views read
    /// them, foreign keys are on again and still cascade, and the new surfaces are accepted.
    @Test func experimentsAndWhatReferencesThemSurviveTheRebuildOfMigration16() throws {
        let directory = TemporaryDirectory()
        let queue = try DatabaseQueue(path: directory.file("old.sqlite"))
        try Migrator(migrations: Migration.embedded.filter { $0.version < 16 }).migrate(queue, nowMs: 1)
        try queue.write { (db: Database) throws -> Void in
            try db.execute(sql: "INSERT INTO users (user_pk, pseudonym, created_ms, updated_ms) VALUES (7, 'p7', 1, 1)")
            try db.execute(
                sql: """
                    INSERT INTO experiments (experiment_pk, key, name, status, variants, created_ms, started_ms, layer, targeting)
                    VALUES (3, 'home-recs', 'Home', 'running', '[{"name":"control","weight":1},{"name":"b","weight":1}]', 10, 11, 'main', '{}')
                    """)
            try db.execute(sql: "INSERT INTO assignments VALUES (3, 7, 'b', 12, 13, 'r-1')")
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "UPDATE experiments SET surface = 'home' WHERE experiment_pk = 3")
            }
        }
        let before = try queue.read { db in try Row.fetchAll(db, sql: "SELECT * FROM experiments") }
        #expect(try Migrator().migrate(queue, nowMs: 2) == Array(16...Migrator().latestVersion))
        try queue.write { (db: Database) throws -> Void in
            #expect(try Row.fetchAll(db, sql: "SELECT * FROM experiments") == before)
            #expect(try Int.fetchOne(db, sql: "PRAGMA foreign_keys") == 1)
            #expect(try Row.fetchOne(db, sql: "PRAGMA foreign_key_check") == nil)
            let exposures = try Row.fetchAll(db, sql: "SELECT experiment, variant, pseudonym FROM experiment_exposures")
            #expect(exposures.map { [$0[0], $0[1], $0[2]] as [String] } == [["home-recs", "b", "p7"]])
            #expect(try Int.fetchOne(db, sql: "SELECT users FROM experiment_assignment_counts") == 1)
            #expect(try db.viewExists("experiment_results"))
            try db.execute(sql: "UPDATE experiments SET surface = 'home' WHERE experiment_pk = 3")
            #expect(throws: DatabaseError.self) { try db.execute(sql: "UPDATE experiments SET surface = 'nowhere'") }
            try db.execute(sql: "DELETE FROM experiments WHERE experiment_pk = 3")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM assignments") == 0, "deleting an experiment still cascades")
        }
    }

    @Test func aRebuildThatLeavesRowsPointingAtNothingIsRolledBack() throws {
        let directory = TemporaryDirectory()
        let queue = try DatabaseQueue(path: directory.file("t.sqlite"))
        let parent = Migration(
            version: 1, name: "parent",
            sql: "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent_id INTEGER REFERENCES parent (id)); "
                + "INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1);")
        let careless = Migration(
            version: 2, name: "careless", sql: "-- foreign_keys: off\nDROP TABLE parent; CREATE TABLE parent (id INTEGER PRIMARY KEY);")
        #expect(careless.needsForeignKeysOff && !parent.needsForeignKeysOff)
        #expect(throws: StoreError.migrationBrokeForeignKeys(version: 2, table: "child")) {
            try Migrator(migrations: [parent, careless]).migrate(queue, nowMs: 1)
        }
        try queue.read { (db: Database) throws -> Void in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM parent") == 1, "rolled back whole")
            #expect(try Migrator.currentVersion(db) == 1)
            #expect(try Int.fetchOne(db, sql: "PRAGMA foreign_keys") == 1)
        }
    }

    @Test func aForeignSQLiteFileIsNotTakenForAKindredDatabase() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("other.sqlite")
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "CREATE TABLE customers (id)") }
        #expect(throws: StoreError.notAKindredDatabase(path: path)) {
            _ = try KindredDatabase.open(at: path, keyPath: directory.file("k"), nowMs: 1)
        }
    }

    @Test func auditLogAndConsentsAreAppendOnly() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        try database.writer.write { db in
            try AuditLog.append(action: "test", actor: "tests", details: [:], in: db, nowMs: 1)
            try db.execute(sql: "INSERT INTO users (pseudonym, created_ms, updated_ms) VALUES ('p', 1, 1)")
            try db.execute(
                sql: "INSERT INTO consents (user_pk, purpose, granted, decided_ms, recorded_ms) VALUES (1, 'analytics', 1, 1, 1)")
        }
        for sql in ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "UPDATE consents SET granted = 0"] {
            #expect(throws: DatabaseError.self) { try database.writer.write { db in try db.execute(sql: sql) } }
        }
    }
}

@Suite struct FloatBlobTests {
    @Test func weightsAreLittleEndianFloat32() {
        // 1.0 is 0x3F800000: bytes 00 00 80 3F in little-endian order.
        #expect(Array(FloatBlob.encode([Float(1), -2.5])) == [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x20, 0xC0])
        #expect(FloatBlob.decodeFloats(FloatBlob.encode([Float(1), -2.5, .pi])) == [1, -2.5, .pi])
        #expect(FloatBlob.decodeInt64s(FloatBlob.encode([Int64(-1), 1 << 40])) == [-1, 1 << 40])
        #expect(FloatBlob.decodeInt32s(FloatBlob.encode([Int32(7), -7])) == [7, -7])
    }
}
