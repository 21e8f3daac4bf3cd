import Foundation
import GRDB
import KindredTestSupport
import Testing

@testable import KindredStore

/// The writer's remembered keys must never name the wrong row: row ids are reused once the
/// highest one is deleted, so a key outlives its person only until anyone else writes.
@Suite struct IdentityCacheTests {
    struct Rollback: Error {}

    func userPK(_ pseudonym: String, cache: IdentityCache, in db: Database) throws -> Int64 {
        try IdentityResolver(db: db, nowMs: TestDatabase.fixedNowMs, cache: cache).userPK(pseudonym: pseudonym)
    }

    func pseudonym(of userPK: Int64, in database: KindredDatabase) throws -> String? {
        try database.writer.read { db in try String.fetchOne(db, sql: "SELECT pseudonym FROM users WHERE user_pk = ?", arguments: [userPK])
        }
    }

    @Test func keysAreKeptBetweenTheWritersOwnTransactions() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let cache = IdentityCache()
        let first = try cache.transaction(in: database.writer) { db in
            (try userPK("p-a", cache: cache, in: db), try IdentityResolver(db: db, nowMs: 1, cache: cache).itemPK(itemID: "i-1"))
        }
        let kept = try cache.transaction(in: database.writer) { _ in (cache.users["p-a"], cache.items["i-1"]) }
        #expect(kept.0 == first.0 && kept.1 == first.1)
    }

    @Test func aWriteThroughTheSameConnectionByAnyoneElseClearsThem() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let cache = IdentityCache()
        let erasedPK = try cache.transaction(in: database.writer) { db in try userPK("p-a", cache: cache, in: db) }
        // Someone else (an erasure) deletes the person, and the next person gets the same row id.
        let reusedPK = try database.writer.write { db -> Int64 in
            try db.execute(sql: "DELETE FROM users WHERE pseudonym = 'p-a'")
            try db.execute(sql: "INSERT INTO users (pseudonym, created_ms, updated_ms) VALUES ('p-b', 1, 1)")
            return db.lastInsertedRowID
        }
        #expect(reusedPK == erasedPK, "the hazard this cache must not fall into")
        let again = try cache.transaction(in: database.writer) { db in try userPK("p-a", cache: cache, in: db) }
        #expect(again != erasedPK)
        #expect(try pseudonym(of: again, in: database) == "p-a")
        #expect(try pseudonym(of: erasedPK, in: database) == "p-b")
    }

    @Test func aCommitByAnotherConnectionClearsThem() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let cache = IdentityCache()
        _ = try cache.transaction(in: database.writer) { db in try userPK("p-a", cache: cache, in: db) }
        let other = try DatabaseQueue(path: database.path)
        try other.write { db in try db.execute(sql: "UPDATE users SET updated_ms = 2 WHERE pseudonym = 'p-a'") }
        let remembered = try cache.transaction(in: database.writer) { _ in cache.count }
        #expect(remembered == 0)
    }

    @Test func aRolledBackTransactionTakesItsNewKeysWithIt() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let cache = IdentityCache()
        #expect(throws: Rollback.self) {
            try cache.transaction(in: database.writer) { db in
                _ = try userPK("p-c", cache: cache, in: db)
                throw Rollback()
            }
        }
        #expect(cache.count == 0)
        let created = try cache.transaction(in: database.writer) { db in try userPK("p-c", cache: cache, in: db) }
        #expect(try pseudonym(of: created, in: database) == "p-c")
    }

    @Test func trustedTransactionsSkipForeignKeyChecksAndAlwaysTurnThemBackOn() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let cache = IdentityCache()
        func enforced() throws -> Bool? {
            try database.writer.writeWithoutTransaction { db in try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") }
        }
        let inside = try cache.transaction(in: database.writer, foreignKeys: .trusted) { db in
            try Bool.fetchOne(db, sql: "PRAGMA foreign_keys")
        }
        #expect(inside == false)
        #expect(try enforced() == true)
        #expect(throws: Rollback.self) {
            try cache.transaction(in: database.writer, foreignKeys: .trusted) { _ in throw Rollback() }
        }
        #expect(try enforced() == true)
        let normal = try cache.transaction(in: database.writer) { db in try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") }
        #expect(normal == true)
    }

    @Test func favouritesCountedBeforeAnErasureAreNotGivenToWhoeverGetsTheKeyNext() throws {
        let directory = TemporaryDirectory()
        let database = try TestDatabase.create(in: directory)
        let erased = try database.writer.write { db -> Int64 in
            try db.execute(sql: "INSERT INTO items (item_id, category, created_ms, updated_ms) VALUES ('I1', 'garden', 1, 1)")
            try db.execute(sql: "INSERT INTO users (pseudonym, created_ms, updated_ms) VALUES ('p-a', 1, 1)")
            let userPK = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO events (event_key, type, user_pk, item_pk, ts_ms, received_ms) VALUES (1, 'view', ?, 1, 1, 1)",
                arguments: [userPK])
            return userPK
        }
        let counted = try database.writer.read { db in try ProfileStore.countFavouriteCategories(of: [erased], in: db) }
        #expect(counted == [ProfileStore.FavouriteCategories(userPK: erased, pseudonym: "p-a", json: #"["garden"]"#)])
        try database.writer.write { db in
            _ = try PersonalData.erase(userPK: erased, in: db)
            try db.execute(sql: "INSERT INTO users (pseudonym, created_ms, updated_ms) VALUES ('p-b', 1, 1)")
            #expect(db.lastInsertedRowID == erased, "the next person has the erased person's key")
            try ProfileStore.store(counted, in: db)
        }
        #expect(try pseudonym(of: erased, in: database) == "p-b")
        let favourites = try database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT favourite_categories FROM users WHERE user_pk = ?", arguments: [erased])
        }
        #expect(favourites == "[]")
    }
}
