import GRDB
import GRDBSQLite

/// The surrogate keys of people and items (and what filing reads of items), remembered by the server's writer from one
/// transaction to the next: looking them up in the `users` and `items` indexes took a fifth
/// of the writer's time under load.
///
/// A remembered key is trusted only while nothing but the writer itself has changed the
/// database: an erasure deletes a person's row, and a later person may be given the same key
/// (keys are row ids). So every transaction of the writer begins with `validate`, which forgets
/// everything if any other connection committed (`PRAGMA data_version`) or anyone else wrote
/// through the writer's own connection (its change counter moved since `stamp`), and ends with
/// `stamp`. A transaction that rolls back takes its new keys with it: call `forget`.
public final class IdentityCache {
    var users: [String: Int64] = [:]
    var items: [String: Int64] = [:]
    /// What filing's summaries read of each item (`FiledEventFold`), trusted on the same terms.
    var itemFacts: [Int64: ItemFacts] = [:]
    /// Items' categories by item id, as the KPI fold of logged responses reads them (`ImpressionFold`).
    var itemCategories: [String: String] = [:]
    private var dataVersion: Int64?
    private var changes: Int64?
    /// Beyond this many entries the cache starts over, so that memory stays bounded.
    static let capacity = 500_000

    public init() {}

    /// Entries held, people and items together.
    public var count: Int { users.count + items.count + itemFacts.count + itemCategories.count }

    /// One of the writer's own write transactions: validated at its start, stamped at its end,
    /// and forgotten if it rolls back (its new keys may name rows that never were).
    public func transaction<T>(
        in writer: any DatabaseWriter, foreignKeys: ForeignKeyChecks = .enforced, _ body: (Database) throws -> T
    ) throws -> T {
        do {
            return try writer.write(checking: foreignKeys) { db in
                try validate(in: db)
                let result = try body(db)
                stamp(in: db)
                return result
            }
        } catch {
            forget()
            throw error
        }
    }

    /// Call first thing inside each of the writer's write transactions.
    func validate(in db: Database) throws {
        let version = try Int64.fetchOne(db, sql: "PRAGMA data_version")
        if version != dataVersion || totalChanges(db) != changes || count > Self.capacity { forget() }
        dataVersion = version
    }

    /// Call last thing inside each of the writer's write transactions, after its own writes.
    func stamp(in db: Database) {
        changes = totalChanges(db)
    }

    /// Forgets every key (the transaction that found some of them rolled back, say).
    public func forget() {
        users.removeAll(keepingCapacity: true)
        items.removeAll(keepingCapacity: true)
        itemFacts.removeAll(keepingCapacity: true)
        itemCategories.removeAll(keepingCapacity: true)
        changes = nil
    }

    private func totalChanges(_ db: Database) -> Int64 {
        sqlite3_total_changes64(db.sqliteConnection)
    }
}
