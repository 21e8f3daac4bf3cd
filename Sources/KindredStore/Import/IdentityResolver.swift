import GRDB

/// Finds or creates the surrogate keys of users (by pseudonym) and items (by the shop's id),
/// remembering them for the rest of a transaction so that each is looked up once, or, given the
/// server writer's `IdentityCache`, for as long as that cache trusts them.
final class IdentityResolver {
    private let db: Database
    private let nowMs: Int64
    private let insertUser: FastStatement
    private let selectUser: FastStatement
    private let insertItem: FastStatement
    private let selectItem: FastStatement
    private let cache: IdentityCache
    private(set) var newUsers = 0
    private(set) var newItems = 0

    init(db: Database, nowMs: Int64, cache: IdentityCache = IdentityCache()) throws {
        self.db = db
        self.nowMs = nowMs
        self.cache = cache
        insertUser = try FastStatement(
            "INSERT INTO users (pseudonym, created_ms, updated_ms) VALUES (?, ?, ?) ON CONFLICT (pseudonym) DO NOTHING", in: db)
        selectUser = try FastStatement("SELECT user_pk FROM users WHERE pseudonym = ?", in: db)
        insertItem = try FastStatement(
            "INSERT INTO items (item_id, created_ms, updated_ms) VALUES (?, ?, ?) ON CONFLICT (item_id) DO NOTHING", in: db)
        selectItem = try FastStatement("SELECT item_pk FROM items WHERE item_id = ?", in: db)
    }

    func userPK(pseudonym: String) throws -> Int64 {
        if let known = cache.users[pseudonym] { return known }
        let pk: Int64
        if try insertUser.run({
            $0.bind(pseudonym); $0.bind(nowMs); $0.bind(nowMs)
        }) > 0 {
            pk = db.lastInsertedRowID
            newUsers += 1
        } else {
            pk = try selectUser.fetchInt64 { $0.bind(pseudonym) }!
        }
        cache.users[pseudonym] = pk
        return pk
    }

    /// The item's key, creating a placeholder row (catalog_ms NULL) for an item the catalog
    /// has not named yet, so that no event is lost for want of a catalog row.
    func itemPK(itemID: String) throws -> Int64 {
        if let known = cache.items[itemID] { return known }
        let pk: Int64
        if try insertItem.run({
            $0.bind(itemID); $0.bind(nowMs); $0.bind(nowMs)
        }) > 0 {
            pk = db.lastInsertedRowID
            newItems += 1
        } else {
            pk = try selectItem.fetchInt64 { $0.bind(itemID) }!
        }
        cache.items[itemID] = pk
        return pk
    }
}
