import Foundation
import Testing

@testable import KindredLearning

/// Exposure, popularity bias and accuracy gaps on lists small enough to work out by hand.
@Suite struct BiasAuditHandComputedTests {
    /// Lists [0, 1] and [1, 2] over 3 items: item 0 gets 1 (rank 1), item 1 gets 1/log2(3) + 1,
    /// item 2 gets 1/log2(3).
    @Test func exposureIsPositionDiscounted() {
        let exposure = ExposureAudit.exposure(lists: [[0, 1], [1, 2]], items: 3)
        let second = 1 / log2(3.0)
        #expect(exposure == [1, second + 1, second])
        #expect(ExposureAudit.discount(rank: 1) == 1)
        #expect(abs(ExposureAudit.discount(rank: 3) - 0.5) < 1e-15)
    }

    /// Gini of [1, 2, 3, 4]: mean absolute difference over all ordered pairs (20 / 16) over twice
    /// the mean (5) = 0.25; of [0, 0, 1]: 2/3; of equal values: 0.
    @Test func giniIndexByHand() {
        #expect(abs(ExposureAudit.gini([4, 1, 3, 2]) - 0.25) < 1e-15)
        #expect(abs(ExposureAudit.gini([0, 0, 1]) - 2.0 / 3) < 1e-15)
        #expect(ExposureAudit.gini([5, 5, 5]) == 0)
        #expect(ExposureAudit.gini([0, 0]) == 0)
    }

    /// Popularity 10, 5, 3, 2 (total 20): the short head draws 80% (16): items 0, 1 (15) are not
    /// enough, items 0, 1, 2 (18) are; item 3 is the long tail.
    @Test func shortHeadAndPopularityBias() {
        let popularity: [Double] = [10, 5, 3, 2]
        #expect(ExposureAudit.shortHead(popularity: popularity) == [0, 1, 2])
        let bias = ExposureAudit.popularityBias(lists: [[0, 3], [0, 1]], popularity: popularity)
        #expect(bias.meanRecommendedPopularity == (10 + 2 + 10 + 5) / 4.0)
        #expect(bias.meanCatalogPopularity == 5)
        #expect(bias.longTailShare == 0.25)
        #expect(bias.longTailCatalogShare == 0.25)
        #expect(bias.coverage == 0.75)
        // Exposure 2, 1/log2(3), 0, 1/log2(3).
        let second = 1 / log2(3.0)
        #expect(abs(bias.exposureGini - ExposureAudit.gini([2, second, 0, second])) < 1e-15)
    }

    /// Items 0, 1 in group "a", item 2 in "b", item 3 in none. Exposure 1, 1, 2, 4 (total 8);
    /// wanted: item 0 twice, item 2 once, item 3 once (4 in all).
    @Test func groupSharesByHand() {
        let grouping = Grouping(name: "category", groupNames: ["a", "b"], groupOf: [0, 0, 1, -1])
        let groups = ExposureAudit.groups(grouping, exposure: [1, 1, 2, 4], relevant: [[0, 2], [0, 3]])
        #expect(groups[0] == GroupExposure(group: "a", items: 2, exposureShare: 0.25, catalogShare: 0.5, relevanceShare: 0.5, exposureOverRelevance: 0.5))
        #expect(groups[1] == GroupExposure(group: "b", items: 1, exposureShare: 0.25, catalogShare: 0.25, relevanceShare: 0.25, exposureOverRelevance: 1))
    }

    /// Group x: recall 1, 0 (mean 0.5), NDCG 1, 0; group y: recall 0.5, 0.5, NDCG 0.25, 0.25;
    /// group z (one person) is below the minimum of 2 and left out of the gaps. Recall gap 0;
    /// NDCG gap 0.5 - 0.25 = 0.25.
    @Test func accuracyGapsByHand() {
        let grouping = Grouping(name: "device", groupNames: ["x", "y", "z"], groupOf: [0, 0, 1, 1, 2, -1])
        let gap = AccuracyGaps.gap(
            grouping, recall: [1, 0, 0.5, 0.5, 1, 1], ndcg: [1, 0, 0.25, 0.25, 1, 1], minimumPeople: 2, resamples: 500, seed: 3)
        #expect(gap.groups.map(\.group) == ["x", "y", "z"])
        #expect(gap.groups.map(\.people) == [2, 2, 1])
        #expect(gap.groups[0].recall == 0.5 && gap.groups[0].ndcg == 0.5 && gap.groups[1].ndcg == 0.25)
        #expect(gap.recallGap == 0)
        #expect(gap.ndcgGap == 0.25)
        // Group y never varies: its interval has no width. Group x's resampled means are 0, 0.5 or 1.
        #expect(gap.groups[1].ndcgLow == 0.25 && gap.groups[1].ndcgHigh == 0.25)
        #expect(gap.groups[0].ndcgLow == 0 && gap.groups[0].ndcgHigh == 1)
        #expect(gap.ndcgGapLow >= 0 && gap.ndcgGapHigh <= 0.75)
        let again = AccuracyGaps.gap(
            grouping, recall: [1, 0, 0.5, 0.5, 1, 1], ndcg: [1, 0, 0.25, 0.25, 1, 1], minimumPeople: 2, resamples: 500, seed: 3)
        #expect(again == gap, "seeded")
    }
}
