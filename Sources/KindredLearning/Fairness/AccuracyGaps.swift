import Foundation

/// One group of people's accuracy, with bootstrap intervals.
public struct GroupAccuracy: Sendable, Equatable, Codable {
    public var group: String
    public var people: Int
    public var recall: Double
    public var recallLow: Double
    public var recallHigh: Double
    public var ndcg: Double
    public var ndcgLow: Double
    public var ndcgHigh: Double
    /// Of the group's held-out items, the share its lists found: sum(hits) / sum(positives),
    /// the true positive rate that equal opportunity compares. Nil when not computed.
    public var truePositiveRate: Double?
    /// Of the places of the group's lists, the share holding an item of the marked item group
    /// (the long tail): the selection rate that demographic parity compares. Nil when not computed.
    public var selectionRate: Double?
}

/// How accuracy differs between the groups of one grouping of people.
public struct AccuracyGap: Sendable, Equatable, Codable {
    public var grouping: String
    public var groups: [GroupAccuracy]
    /// The best group's mean less the worst's, among groups of at least `minimumPeople`.
    public var recallGap: Double
    public var ndcgGap: Double
    /// A percentile bootstrap interval of the NDCG gap (people resampled within each group).
    public var ndcgGapLow: Double
    public var ndcgGapHigh: Double
    /// Equal opportunity difference (fairlearn's): the largest group true positive rate less
    /// the smallest, among counted groups. Nil when not computed.
    public var equalOpportunityDifference: Double?
    /// Demographic parity difference (fairlearn's): the largest group selection rate less the
    /// smallest, among counted groups. Nil when not computed.
    public var demographicParityDifference: Double?
    public var minimumPeople: Int
}

/// Accuracy gaps between groups of people, as pure functions of per-person scores.
public enum AccuracyGaps {
    /// - Parameters:
    ///   - recall, ndcg: per person.
    ///   - grouping: per person, the group (-1: left out).
    ///   - hits, positives: per person, held-out items found in the list and held-out items
    ///     (for equal opportunity); nil leaves it out.
    ///   - selected, places: per person, places of their list holding an item of the marked
    ///     group and places in it (for demographic parity); nil leaves it out.
    public static func gap(
        _ grouping: Grouping, recall: [Double], ndcg: [Double], hits: [Int]? = nil, positives: [Int]? = nil, selected: [Int]? = nil,
        places: [Int]? = nil, minimumPeople: Int = 20, resamples: Int = 1_000, seed: UInt64 = 1, level: Double = 0.95
    ) -> AccuracyGap {
        precondition(recall.count == grouping.groupOf.count && ndcg.count == recall.count, "one score per person")
        var members = [[Int]](repeating: [], count: grouping.groupNames.count)
        for (person, group) in grouping.groupOf.enumerated() where group >= 0 { members[Int(group)].append(person) }
        var generator = SeededGenerator(seed: seed)
        let lower = (1 - level) / 2
        var groups: [GroupAccuracy] = []
        // Per resample, each counted group's mean NDCG, for the gap's interval.
        var resampledMeans: [[Double]] = []
        for (index, people) in members.enumerated() where !people.isEmpty {
            let recalls = people.map { recall[$0] }
            let ndcgs = people.map { ndcg[$0] }
            var recallDraws: [Double] = []
            var ndcgDraws: [Double] = []
            recallDraws.reserveCapacity(resamples)
            ndcgDraws.reserveCapacity(resamples)
            for _ in 0..<resamples {
                var r = 0.0
                var n = 0.0
                for _ in 0..<people.count {
                    let pick = generator.nextInt(below: people.count)
                    r += recalls[pick]
                    n += ndcgs[pick]
                }
                recallDraws.append(r / Double(people.count))
                ndcgDraws.append(n / Double(people.count))
            }
            if people.count >= minimumPeople { resampledMeans.append(ndcgDraws) }
            let truePositiveRate = pooledRate(hits, over: positives, of: people)
            let selectionRate = pooledRate(selected, over: places, of: people)
            let sortedRecall = recallDraws.sorted()
            let sortedNDCG = ndcgDraws.sorted()
            groups.append(
                GroupAccuracy(
                    group: grouping.groupNames[index], people: people.count, recall: mean(recalls),
                    recallLow: Percentile.linear(sortedRecall, lower),
                    recallHigh: Percentile.linear(sortedRecall, 1 - lower), ndcg: mean(ndcgs),
                    ndcgLow: Percentile.linear(sortedNDCG, lower), ndcgHigh: Percentile.linear(sortedNDCG, 1 - lower),
                    truePositiveRate: truePositiveRate, selectionRate: selectionRate))
        }
        let counted = groups.filter { $0.people >= minimumPeople }
        let recallGap = (counted.map(\.recall).max() ?? 0) - (counted.map(\.recall).min() ?? 0)
        let ndcgGap = (counted.map(\.ndcg).max() ?? 0) - (counted.map(\.ndcg).min() ?? 0)
        func spread(_ rates: [Double]) -> Double { (rates.max() ?? 0) - (rates.min() ?? 0) }
        let equalOpportunity = hits == nil ? nil : spread(counted.compactMap(\.truePositiveRate))
        let demographicParity = selected == nil ? nil : spread(counted.compactMap(\.selectionRate))
        var gapDraws: [Double] = []
        if resampledMeans.count >= 2 {
            for draw in 0..<resamples {
                let values = resampledMeans.map { $0[draw] }
                gapDraws.append(values.max()! - values.min()!)
            }
            gapDraws.sort()
        }
        return AccuracyGap(
            grouping: grouping.name, groups: groups, recallGap: recallGap, ndcgGap: ndcgGap,
            ndcgGapLow: gapDraws.isEmpty ? 0 : Percentile.linear(gapDraws, lower),
            ndcgGapHigh: gapDraws.isEmpty ? 0 : Percentile.linear(gapDraws, 1 - lower), equalOpportunityDifference: equalOpportunity,
            demographicParityDifference: demographicParity,
            minimumPeople: minimumPeople)
    }

    /// sum(numerators) / sum(denominators) over `people` (0 when the denominators sum to 0):
    /// a rate over a group's pooled samples, as fairlearn computes one; nil without the counts.
    static func pooledRate(_ numerators: [Int]?, over denominators: [Int]?, of people: [Int]) -> Double? {
        guard let numerators, let denominators else { return nil }
        let total = people.reduce(0) { $0 + denominators[$1] }
        return total > 0 ? Double(people.reduce(0) { $0 + numerators[$1] }) / Double(total) : 0
    }

    static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
}
