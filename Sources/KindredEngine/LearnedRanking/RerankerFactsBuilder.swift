import Foundation
import KindredLearning
import KindredStore

extension Engine {
    /// The item facts a learned ranker reads, for the items `itemPKs` (a model's item order),
    /// from the feature store as of the start of `asOfMs`'s day (nil: now): the same query
    /// whether the facts are for training (as of the validation cut) or for serving (now).
    func rerankerFacts(itemPKs: [Int64], catalog: CatalogSnapshot, asOfMs: Int64?) throws -> RerankerItemFacts {
        try database.writer.read { db in
            try Self.rerankerFacts(itemPKs: itemPKs, catalog: catalog, asOfMs: asOfMs, now: clock.now(), in: db)
        }
    }

    static func rerankerFacts(itemPKs: [Int64], catalog: CatalogSnapshot, asOfMs: Int64?, now: Int64, in db: StoreConnection) throws
        -> RerankerItemFacts
    {
        let end = asOfMs.map { $0 / 86_400_000 } ?? now / 86_400_000 + 1
        let referenceMs = asOfMs.map { _ in end * 86_400_000 } ?? now
        let quartiles = FeatureContext.quartiles(ofAscending: try FeatureStore.catalogPrices(in: db))
        var sumsByID: [String: FeatureStore.ItemSums] = [:]
        for sums in try FeatureStore.itemSums(end: end, in: db) { sumsByID[sums.itemID] = sums }
        let contexts = try ItemContextCounts.read(fromMs: (end - 30) * 86_400_000, toMs: end * 86_400_000, in: db)
        var catalogRow: [Int64: Int] = [:]
        for (row, pk) in catalog.itemPKs.enumerated() { catalogRow[pk] = row }

        var facts = RerankerItemFacts(items: itemPKs.count)
        var categoryNumber: [String: Int32] = [:]
        var categoryEvents: [Float] = []
        var categoryPriceSum: [Double] = []
        var categoryPriced: [Double] = []
        var totalEvents: Float = 0
        let devices = RankingContext.DeviceClass.allCases.count
        for (item, pk) in itemPKs.enumerated() {
            if let counts = contexts[pk], counts.events > 0 {
                let events = Float(counts.events)
                for device in 0..<devices { facts.deviceShare[item * devices + device] = Float(counts.devices[device]) / events }
                for part in 0..<4 { facts.daypartShare[item * 4 + part] = Float(counts.dayparts[part]) / events }
            }
            guard let row = catalogRow[pk] else { continue }
            if let price = catalog.prices[row], price >= 0 {
                facts.price[item] = Float(price)
                if let band = FeatureContext.priceBand(of: price, quartiles: quartiles) { facts.priceBand[item] = Float(band) }
            }
            if let category = catalog.categories[row], !category.isEmpty {
                let number =
                    categoryNumber[category]
                    ?? {
                        let next = Int32(categoryNumber.count)
                        categoryNumber[category] = next
                        categoryEvents.append(0)
                        categoryPriceSum.append(0)
                        categoryPriced.append(0)
                        return next
                    }()
                facts.category[item] = number
                if let price = catalog.prices[row], price > 0 {
                    categoryPriceSum[Int(number)] += price
                    categoryPriced[Int(number)] += 1
                }
            }
            guard let sums = sumsByID[catalog.itemIDs[row]] else { continue }
            let features = ItemFeatureRow(sums, quartiles: quartiles, referenceMs: referenceMs)
            facts.popularity[item] = Float(features.popularity)
            if let trend = features.trend { facts.trend[item] = Float(trend) }
            if let conversion = features.conversionRate { facts.conversionRate[item] = Float(conversion) }
            facts.revenue[item] = Float(features.revenue)
            // An item first seen after the reference moment is not known yet: an age of 0 would
            // tell training which items the weeks after its cut brought.
            if sums.createdMs <= referenceMs { facts.ageDays[item] = Float(features.ageDays) }
            totalEvents += Float(sums.events30)
            if facts.category[item] >= 0 { categoryEvents[Int(facts.category[item])] += Float(sums.events30) }
        }
        facts.categoryShare = categoryEvents.map { totalEvents > 0 ? $0 / totalEvents : 0 }
        facts.categoryMeanPrice = zip(categoryPriceSum, categoryPriced).map { $1 > 0 ? Float($0 / $1) : -1 }
        for item in 0..<facts.items where facts.category[item] >= 0 {
            let events = categoryEvents[Int(facts.category[item])]
            if events > 0 { facts.shareOfCategory[item] = facts.popularity[item] / events }
        }
        return facts
    }
}
