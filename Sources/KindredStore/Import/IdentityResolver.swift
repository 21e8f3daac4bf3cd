import GRDB

/// Finds or creates the surrogate keys of users (by pseudonym) and items (by the shop's id),
/// remembering them for the rest of a transaction so that each is looked up once.
final class IdentityResolver {
    private let db: Database
    private let nowMs: Int64
    private let insertUser: Statement
    private let selectUser: Statement
    private let insertItem: Statement
    private let selectItem: Statement
    private var users: [String: Int64] = [:]
    private var items: [String: Int64] = [:]
    private(set) var newUsers = 0
    private(set) var newItems = 0

    init(db: Database, nowMs: Int64) throws {
        self.db = db
        self.nowMs = nowMs
        insertUser = try db.makeStatement(
            sql: "INSERT INTO users (pseudonym, created_ms, updated_ms) VALUES (?, ?, ?) ON CONFLICT (pseudonym) DO NOTHING")
        selectUser = try db.makeStatement(sql: "SELECT user_pk FROM users WHERE pseudonym = ?")
        insertItem = try db.makeStatement(
            sql: "INSERT INTO items (item_id, created_ms, updated_ms) VALUES (?, ?, ?) ON CONFLICT (item_id) DO NOTHING")
        selectItem = try db.makeStatement(sql: "SELECT item_pk FROM items WHERE item_id = ?")
    }

    func userPK(pseudonym: String) throws -> Int64 {
        if let known = users[pseudonym] { return known }
        try insertUser.execute(arguments: [pseudonym, nowMs, nowMs])
        let pk: Int64
        if db.changesCount > 0 {
            pk = db.lastInsertedRowID
            newUsers += 1
        } else {
            pk = try Int64.fetchOne(selectUser, arguments: [pseudonym])!
        }
        users[pseudonym] = pk
        return pk
    }

    /// The item's key, creating a placeholder row (catalog_ms NULL) for an item the catalog
    /// has not named yet, so that no event is lost for want of a catalog row.
    func itemPK(itemID: String) throws -> Int64 {
        if let known = items[itemID] { return known }
        try insertItem.execute(arguments: [itemID, nowMs, nowMs])
        let pk: Int64
        if db.changesCount > 0 {
            pk = db.lastInsertedRowID
            newItems += 1
        } else {
            pk = try Int64.fetchOne(selectItem, arguments: [itemID])!
        }
        items[itemID] = pk
        return pk
    }
}
