import Testing

@testable import KindredLearning

/// Every feature of `RerankerFeatures` on a hand-built list: three items in two categories,
/// a person who touched two of them, asked for on a phone on a Monday evening.
@Suite struct RerankerFeaturesTests {
    static func facts() -> RerankerItemFacts {
        var facts = RerankerItemFacts(items: 3)
        facts.popularity = [10, 30, 5]
        facts.trend[0] = 0.5
        facts.conversionRate[0] = 0.1
        facts.revenue = [100, 0, 0]
        facts.priceBand[0] = 2
        facts.priceBand[1] = 1
        facts.ageDays[0] = 30
        facts.ageDays[1] = 5
        facts.price[0] = 20
        facts.price[1] = 10
        facts.category = [0, 0, 1]
        facts.categoryShare = [0.8, 0.2]
        facts.categoryMeanPrice = [15, -1]
        facts.shareOfCategory = [0.25, 0.75, 1]
        facts.deviceShare.replaceSubrange(0..<6, with: [0.5, 0.1, 0.4, 0.2, 0.2, 0.6])
        facts.daypartShare.replaceSubrange(0..<8, with: [0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.2, 0.3])
        return facts
    }

    /// The person: item 1 with weight 3 (priced 10, category 0), item 2 with weight 1
    /// (unpriced, category 1). Two items, weight 4, mean price 10 (only item 1 is priced), the
    /// top category 0, ranked 0 then 1. The candidates: item 0 (2.0, the model's), item 2
    /// (1.5, another source's), item 1 (0.5, the model's).
    @Test func everyFeatureOfAListByHand() {
        let facts = Self.facts()
        let context = RankingContext(hour: 19, weekday: 1, device: .mobile)
        let person = RerankerFeatures.Person(history: SparseVector(indices: [1, 2], values: [3, 1]), facts: facts, context: context)
        let candidates = [
            RankedItem(item: 0, score: 2, source: "model"), RankedItem(item: 2, score: 1.5, source: "context"),
            RankedItem(item: 1, score: 0.5, source: "model"),
        ]
        var rows: [Float] = []
        RerankerFeatures.append(candidates, person: person, facts: facts, to: &rows)
        let expected: [[Float]] = [
            [
                2, 0, 1, 1, 10, 0.5, 0.1, 100, 2, 30, 20, 0.8, 2, 4, 0.75, 1, 0, 2, 10, 1,
                19, 1, 0, 0.5, 0.4, 20.0 / 15, 0.25, 2, 0, 0.5,
            ],
            [
                1.5, 1, 0.75, 0, 5, -1, -1, 0, -1, -1, -1, 0.2, 2, 4, 0.25, 1, 1, -1, 10, 0,
                19, 1, 0, -1, -1, -1, 1, 2, 1, 1,
            ],
            [
                0.5, 2, 0.25, 1, 30, -1, -1, 0, 1, 5, 10, 0.8, 2, 4, 0.75, 1, 3, 1, 10, 1,
                19, 1, 0, 0.2, 0.3, 10.0 / 15, 0.75, 2, 0, 0,
            ],
        ]
        #expect(rows.count == 3 * RerankerFeatures.count && RerankerFeatures.count == 30)
        for (row, values) in expected.enumerated() {
            for (feature, value) in values.enumerated() {
                let got = rows[row * RerankerFeatures.count + feature]
                #expect(abs(got - value) < 1e-6, "row \(row) \(RerankerFeatures.names[feature]): \(got), not \(value)")
            }
        }
    }

    /// Without a context the context features and the shares that depend on it are -1.
    @Test func anUnknownContextIsMinusOne() {
        let facts = Self.facts()
        var rows: [Float] = []
        RerankerFeatures.append(
            [RankedItem(item: 0, score: 1, source: "model")], person: .init(history: SparseVector(), facts: facts), facts: facts, to: &rows)
        #expect(Array(rows[20...24]) == [-1, -1, -1, -1, -1])
        #expect(rows[27] == 0 && rows[28] == -1, "no categories of their own, so no rank")
    }

    /// 2026-12-07T19:30Z is a Monday (1) at 19; a local hour given wins; 1969-12-31T23:00Z was a
    /// Wednesday; devices by the names events store, anything else unknown.
    @Test func contextsFromAMoment() {
        let monday = RankingContext(atMs: 1_796_671_800_000, localHour: nil, device: "mobile")
        #expect(monday == RankingContext(hour: 19, weekday: 1, device: .mobile) && monday.daypart == 3)
        #expect(RankingContext(atMs: 1_796_671_800_000, localHour: 8, device: "tv") == RankingContext(hour: 8, weekday: 1, device: nil))
        #expect(
            RankingContext(atMs: -3_600_000, localHour: nil, device: "desktop") == RankingContext(hour: 23, weekday: 3, device: .desktop))
        #expect(RankingContext(hour: 24, weekday: 7, device: nil) == .unknown)
    }

    /// A ranker stored by a binary with fewer features still serves when its names are the
    /// first of this binary's; a renamed or reordered one does not.
    @Test func storedFeaturesServeWhenTheyArePrefixes() {
        #expect(RerankerFeatures.servesStored(features: Array(RerankerFeatures.names.prefix(20))))
        #expect(RerankerFeatures.servesStored(features: RerankerFeatures.names))
        #expect(!RerankerFeatures.servesStored(features: []))
        #expect(!RerankerFeatures.servesStored(features: Array(RerankerFeatures.names.prefix(20).reversed())))
        #expect(!RerankerFeatures.servesStored(features: RerankerFeatures.names + ["later"]))
    }
}
