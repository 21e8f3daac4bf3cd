import GRDB

/// What a batch of logged responses adds to the KPI rollups, summed in memory from the records
/// the batch inserted: the same sums `KPIRollups.addImpressions` computes from the view
/// `kpi_impression_facts`. Under a load of pages (five or six responses each) that statement
/// took half of the writer's time: it expands every response's items with `json_each` and looks
/// each item's category up by its id, once per dimension. The view stays the definition:
/// rebuilds run it, and a test holds this fold to a rebuild.
///
/// An item's category is the one fact read from another table: looked up once per item id and
/// kept in the writer's `IdentityCache` (when it has one) on the cache's terms.
final class ImpressionFold {
    private struct Key: Hashable {
        var day: Int64
        var dimension: String
        var value: String
    }

    private struct Sums {
        var lists = 0
        var impressions = 0

        mutating func add(lists: Int, impressions: Int) {
            self.lists += lists
            self.impressions += impressions
        }
    }

    private let db: Database
    private let identities: IdentityCache?
    private var categories: [String: String] = [:]
    private var sums: [Key: Sums] = [:]
    private let categoryStatement: FastStatement

    init(in db: Database, identities: IdentityCache?) throws {
        self.db = db
        self.identities = identities
        categoryStatement = try FastStatement("SELECT coalesce(category, '') FROM items WHERE item_id = ?", in: db)
    }

    /// Adds one response that the batch inserted (not one its request id had already logged).
    func add(_ record: ImpressionRecord) throws {
        let day = record.timestampMs / 86_400_000
        func count(_ dimension: String, _ value: String?, lists: Int, impressions: Int) {
            guard let value else { return }
            sums[Key(day: day, dimension: dimension, value: value), default: Sums()].add(lists: lists, impressions: impressions)
        }
        // Once per response, in each breakdown the view gives a value (per_item = 0).
        let shown = record.items.count
        let variant = record.exposure.map { "\($0.experiment)/\($0.variant)" }
        for (dimension, value) in [
            ("all", ""), ("device", record.device ?? ""), ("country", record.country ?? ""), ("surface", record.surface.rawValue),
            ("model", record.modelVersion.map { "\($0)" } ?? ""), ("variant", variant), ("block", record.block),
            ("hour", "\((record.timestampMs / 3_600_000) % 24)"),
        ] as [(String, String?)] {
            count(dimension, value, lists: 1, impressions: shown)
        }
        // Once per item shown (per_item = 1): its category, and its position, which also counts
        // the list once per position.
        for (index, item) in record.items.enumerated() {
            count("category", try category(of: item.itemID), lists: 0, impressions: 1)
            count("position", "\(index + 1)", lists: 1, impressions: 1)
        }
    }

    /// Writes everything added, with the upsert the SQL fold runs.
    func write() throws {
        let upsert = try FastStatement(
            """
            INSERT INTO kpi_rollups (day, dimension, value, lists, impressions) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (dimension, day, value) DO UPDATE SET lists = lists + excluded.lists, impressions = impressions + excluded.impressions
            """, in: db)
        for (key, sums) in sums {
            try upsert.run { binder in
                binder.bind(key.day)
                binder.bind(key.dimension)
                binder.bind(key.value)
                binder.bind(sums.lists)
                binder.bind(sums.impressions)
            }
        }
    }

    /// The item's category as the view's `LEFT JOIN items` reads it: empty when the item has
    /// none or the catalog does not know the id.
    private func category(of itemID: String) throws -> String {
        if let known = categories[itemID] ?? identities?.itemCategories[itemID] { return known }
        var found = ""
        try categoryStatement.forEachRow(bind: { $0.bind(itemID) }) { row in found = row.text(0) ?? "" }
        categories[itemID] = found
        identities?.itemCategories[itemID] = found
        return found
    }
}
