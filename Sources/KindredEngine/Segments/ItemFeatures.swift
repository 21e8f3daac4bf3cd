import Foundation
import KindredStore

/// Per-item features from the feature store's daily sums: what ranks and re-ranks items by
/// how they are doing (popularity, trend, conversion) and what they are (price band, age).
public struct ItemFeatureRow: Sendable, Equatable, Codable {
    public var itemID: String
    public var title: String?
    public var category: String?
    /// Events of every type in the last 30 days.
    public var popularity: Int
    /// Events in the last 7 days over the 7 before (nil when the week before had none).
    public var trend: Double?
    /// Purchases over views in the last 30 days (nil without views).
    public var conversionRate: Double?
    public var revenue: Double
    /// 1 to 4: the catalog price quartile the price falls in.
    public var priceBand: Int?
    /// Days since the item was first seen (in the catalog or in an event).
    public var ageDays: Double
}

extension ItemFeatureRow {
    /// One item's features from its daily sums as of `referenceMs`: the one definition that
    /// `kindred features` and the learned ranker's item facts share.
    init(_ sums: FeatureStore.ItemSums, quartiles: [Double], referenceMs: Int64) {
        self.init(
            itemID: sums.itemID, title: sums.title, category: sums.category, popularity: sums.events30,
            trend: sums.eventsWeekBefore > 0 ? Double(sums.eventsLastWeek) / Double(sums.eventsWeekBefore) : nil,
            conversionRate: sums.views > 0 ? Double(sums.purchases) / Double(sums.views) : nil, revenue: sums.revenue,
            priceBand: sums.price.flatMap { FeatureContext.priceBand(of: $0, quartiles: quartiles) },
            ageDays: max(0, Double(referenceMs - sums.createdMs) / 86_400_000))
    }
}

extension FeatureContext {
    /// 1 to 4: the catalog price quartile a price falls in (nil without quartiles or a price).
    static func priceBand(of price: Double, quartiles: [Double]) -> Int? {
        quartiles.count == 3 && price > 0 ? 1 + quartiles.filter { price > $0 }.count : nil
    }
}

extension Engine {
    /// Every item's features now, or as of the start of `query.at`'s day.
    public func itemFeatures(_ query: FeatureQuery = FeatureQuery()) throws -> [ItemFeatureRow] {
        let now = clock.now()
        let end = query.at.map { Int64((Double($0) / 86_400_000).rounded(.down)) } ?? now / 86_400_000 + 1
        let referenceMs = query.at.map { _ in end * 86_400_000 } ?? now
        return try database.writer.read { db in
            let quartiles = FeatureContext.quartiles(ofAscending: try FeatureStore.catalogPrices(in: db))
            return try FeatureStore.itemSums(end: end, in: db).map { ItemFeatureRow($0, quartiles: quartiles, referenceMs: referenceMs) }
        }
    }

    /// Writes the item features as CSV (item_id first), atomically; returns the rows written.
    public func exportItemFeatures(_ query: FeatureQuery, to path: String) throws -> Int {
        let rows = try itemFeatures(query)
        var text = "item_id,category,popularity,trend,conversion_rate,revenue,price_band,age_days\n"
        func cell(_ value: Double?) -> String { value.map { String($0) } ?? "" }
        for row in rows {
            text +=
                [
                    CSVField.quote(row.itemID), CSVField.quote(row.category ?? ""), String(row.popularity), cell(row.trend),
                    cell(row.conversionRate), String(row.revenue), row.priceBand.map(String.init) ?? "", String(row.ageDays),
                ].joined(separator: ",") + "\n"
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DataError(file: path, message: "cannot write the item features: \(error.localizedDescription)")
        }
        return rows.count
    }
}
