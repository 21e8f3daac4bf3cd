import Foundation
import KindredLearning

/// What a bandit knows of an item apart from its place in the ranking, worked out once per
/// loaded model: popularity on a log scale relative to the most popular item (rounded to four
/// places, the precision the exploration record keeps, so that a logged display rebuilds the
/// very features it was chosen with), the item's price quartile, and its category's bucket.
struct BanditItemFacts: Sendable, Equatable {
    var popularity: Double
    /// 0-3, or 4 for an unknown price.
    var priceBand: Int
    /// -1 for an item without a category.
    var categoryBucket: Int

    func arm(rank: Int) -> BanditArm {
        BanditArm(rank: rank, popularity: popularity, priceBand: priceBand, categoryBucket: categoryBucket)
    }

    /// As the exploration record logs it.
    var logged: [any Sendable] { [popularity, priceBand, categoryBucket] }

    init(popularity: Double, priceBand: Int, categoryBucket: Int) {
        self.popularity = popularity
        self.priceBand = priceBand
        self.categoryBucket = categoryBucket
    }

    init?(logged: Any) {
        guard let values = logged as? [NSNumber], values.count == 3 else { return nil }
        self.init(popularity: values[0].doubleValue, priceBand: values[1].intValue, categoryBucket: values[2].intValue)
    }

    /// One per model item.
    static func of(popularity: [Float], prices: [Double], categories: [Int32], categoryNames: [String]) -> [BanditItemFacts] {
        let top = log1p(Double(popularity.max() ?? 0))
        let known = prices.filter { !$0.isNaN }.sorted()
        let quartiles = known.isEmpty ? [] : [0.25, 0.5, 0.75].map { Percentile.linear(known, $0) }
        let buckets = categoryNames.map { BanditArm.bucket(category: $0) }
        return prices.indices.map { item in
            let raw = item < popularity.count && top > 0 ? log1p(Double(max(0, popularity[item]))) / top : 0
            let price = prices[item]
            let band = price.isNaN || quartiles.isEmpty ? 4 : quartiles.firstIndex { price <= $0 } ?? 3
            let category = Int(categories[item])
            return BanditItemFacts(
                popularity: (raw * 10_000).rounded() / 10_000, priceBand: band,
                categoryBucket: category >= 0 && category < buckets.count ? buckets[category] : -1)
        }
    }
}
