import Foundation
import Testing

@testable import KindredLearning

/// Accuracy gaps against fairlearn's MetricFrame (group means and `difference(method=
/// "between_groups")`), and the Gini index against its mean-absolute-difference definition, on
/// fixed data made by scripts/reference/fairness_reference.py.
@Suite struct BiasAuditReferenceTests {
    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/fairness_reference.json")
        return try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }()

    static func doubles(_ key: String) -> [Double] { (reference[key] as! [Any]).map { ($0 as! NSNumber).doubleValue } }

    @Test func groupMeansAndGapsAreFairlearns() {
        let names = ["mobile", "desktop", "tablet", "tv"]
        let groups = (Self.reference["groups"] as! [String]).map { Int32(names.firstIndex(of: $0)!) }
        let gap = AccuracyGaps.gap(
            Grouping(name: "device", groupNames: names, groupOf: groups), recall: Self.doubles("recall"), ndcg: Self.doubles("ndcg"),
            minimumPeople: (Self.reference["minimum_people"] as! NSNumber).intValue, resamples: 200)
        let byGroup = Self.reference["by_group"] as! [String: [String: Any]]
        for group in gap.groups {
            let expected = byGroup[group.group]!
            #expect(group.people == (expected["people"] as! NSNumber).intValue)
            #expect(abs(group.recall - (expected["recall"] as! NSNumber).doubleValue) < 1e-12, "\(group.group) recall")
            #expect(abs(group.ndcg - (expected["ndcg"] as! NSNumber).doubleValue) < 1e-12, "\(group.group) ndcg")
        }
        // "tv" has 12 people, under the minimum of 20: left out of the gaps as fairlearn was asked to.
        #expect(abs(gap.recallGap - (Self.reference["recall_gap"] as! NSNumber).doubleValue) < 1e-12)
        #expect(abs(gap.ndcgGap - (Self.reference["ndcg_gap"] as! NSNumber).doubleValue) < 1e-12)
        #expect(gap.equalOpportunityDifference == nil && gap.groups.allSatisfy { $0.truePositiveRate == nil }, "not asked for")
    }

    /// Equal opportunity: each group's true positive rate over its held-out items, and the
    /// difference between counted groups, as fairlearn's equal_opportunity_difference.
    @Test func equalOpportunityDifferenceIsFairlearns() throws {
        let names = ["mobile", "desktop", "tablet", "tv"]
        let groups = (Self.reference["groups"] as! [String]).map { Int32(names.firstIndex(of: $0)!) }
        let integers = { (key: String) in (Self.reference[key] as! [NSNumber]).map(\.intValue) }
        let gap = AccuracyGaps.gap(
            Grouping(name: "device", groupNames: names, groupOf: groups), recall: Self.doubles("recall"), ndcg: Self.doubles("ndcg"),
            hits: integers("hits"), positives: integers("positives"), minimumPeople: (Self.reference["minimum_people"] as! NSNumber).intValue,
            resamples: 100)
        let rates = Self.reference["true_positive_rate"] as! [String: NSNumber]
        for group in gap.groups {
            #expect(abs(try #require(group.truePositiveRate) - rates[group.group]!.doubleValue) < 1e-12, "\(group.group)")
        }
        let expected = (Self.reference["equal_opportunity_difference"] as! NSNumber).doubleValue
        #expect(abs(try #require(gap.equalOpportunityDifference) - expected) < 1e-12)
        #expect(gap.demographicParityDifference == nil, "not asked for")
    }

    /// Demographic parity of long-tail exposure: each group's share of list places holding a
    /// long-tail item, and the difference between counted groups, as fairlearn's
    /// demographic_parity_difference.
    @Test func demographicParityDifferenceIsFairlearns() throws {
        let names = ["mobile", "desktop", "tablet", "tv"]
        let groups = (Self.reference["groups"] as! [String]).map { Int32(names.firstIndex(of: $0)!) }
        let integers = { (key: String) in (Self.reference[key] as! [NSNumber]).map(\.intValue) }
        let gap = AccuracyGaps.gap(
            Grouping(name: "device", groupNames: names, groupOf: groups), recall: Self.doubles("recall"), ndcg: Self.doubles("ndcg"),
            selected: integers("long_tail_places"), places: integers("places"),
            minimumPeople: (Self.reference["minimum_people"] as! NSNumber).intValue, resamples: 100)
        let rates = Self.reference["selection_rate"] as! [String: NSNumber]
        for group in gap.groups {
            #expect(abs(try #require(group.selectionRate) - rates[group.group]!.doubleValue) < 1e-12, "\(group.group)")
        }
        let expected = (Self.reference["demographic_parity_difference"] as! NSNumber).doubleValue
        #expect(abs(try #require(gap.demographicParityDifference) - expected) < 1e-12)
    }

    @Test func giniIsTheMeanAbsoluteDifferenceDefinition() {
        #expect(abs(ExposureAudit.gini(Self.doubles("exposure")) - (Self.reference["gini"] as! NSNumber).doubleValue) < 1e-12)
    }
}
