import Foundation
import GRDB

/// The catalog as arrays indexed like the models' items: what serving filters on and what
/// content similarity reads.
public struct CatalogSnapshot: Sendable {
    public var itemPKs: [Int64] = []
    public var itemIDs: [String] = []
    public var titles: [String?] = []
    public var categories: [String?] = []
    public var tags: [[String]] = []
    public var prices: [Double?] = []
    public var inStock: [Bool] = []
    /// `attributes.brand`, when the catalog names one: what brand caps and preferences match.
    public var brands: [String?] = []
    /// When the item entered the catalog (nil for items seen in events only), and when it last
    /// came back into stock: what "new arrivals" and "back in stock" blocks offer.
    public var listedMs: [Int64?] = []
    public var restockedMs: [Int64?] = []

    public var count: Int { itemPKs.count }

    /// Every item, ordered by item_pk.
    public static func read(in db: Database) throws -> CatalogSnapshot {
        var snapshot = CatalogSnapshot()
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT item_pk, item_id, title, category, tags, price, in_stock, json_extract(attributes, '$.brand'),
                    CASE WHEN catalog_ms IS NOT NULL THEN created_ms END, restocked_ms
                FROM items ORDER BY item_pk
                """)
        while let row = try rows.next() {
            snapshot.itemPKs.append(row[0])
            snapshot.itemIDs.append(row[1])
            snapshot.titles.append(row[2])
            snapshot.categories.append(row[3])
            let tagsJSON: String = row[4]
            snapshot.tags.append((try? JSONSerialization.jsonObject(with: Data(tagsJSON.utf8)) as? [String]) ?? [])
            snapshot.prices.append(row[5])
            snapshot.inStock.append(row[6] as Int64 != 0)
            let brand = (row[7] as DatabaseValue).storage
            switch brand {
            case .string(let text): snapshot.brands.append(text.isEmpty ? nil : text)
            case .int64(let number): snapshot.brands.append(String(number))
            default: snapshot.brands.append(nil)
            }
            snapshot.listedMs.append(row[8])
            snapshot.restockedMs.append(row[9])
        }
        return snapshot
    }
}
