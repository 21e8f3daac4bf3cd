import Foundation

/// Ranking quality of one model on one test set, averaged over the evaluated users (catalog
/// coverage and novelty are over all recommendations together).
public struct RankingMetrics: Sendable, Codable, Equatable {
    public var k: Int
    public var users: Int
    /// Hits / min(relevant, k), as in the `implicit` evaluation protocol.
    public var recall: Double
    public var precision: Double
    /// Binary gains; the ideal ranking puts min(relevant, k) hits first.
    public var ndcg: Double
    /// Share of users with at least one hit.
    public var hitRate: Double
    /// Mean average precision at k, normalized by min(relevant, k).
    public var map: Double
    /// Mean reciprocal rank of the first hit within k (0 when none).
    public var mrr: Double
    /// Share of the catalog that appears in someone's top k.
    public var coverage: Double
    /// Mean self-information -log2(share of users who had the item) of what is recommended.
    public var novelty: Double
    /// Mean over lists of the mean pairwise unlikeness of their items (1 - similarity): what
    /// diversity re-ranking buys, beside what it costs in accuracy. Nil when not measured.
    public var intraListDiversity: Double? = nil

    public static func zero(k: Int) -> RankingMetrics {
        RankingMetrics(k: k, users: 0, recall: 0, precision: 0, ndcg: 0, hitRate: 0, map: 0, mrr: 0, coverage: 0, novelty: 0)
    }
}

/// The per-user measures, on one ranked list and one set of relevant items.
public struct UserRankingScores: Sendable, Equatable {
    public var recall = 0.0
    public var precision = 0.0
    public var ndcg = 0.0
    public var hit = 0.0
    public var averagePrecision = 0.0
    public var reciprocalRank = 0.0

    public init(ranked: [Int], relevant: Set<Int>, k: Int) {
        guard !relevant.isEmpty, k > 0 else { return }
        let top = ranked.prefix(k)
        let ideal = min(relevant.count, k)
        var hits = 0
        var dcg = 0.0
        var precisionSum = 0.0
        for (position, item) in top.enumerated() where relevant.contains(item) {
            hits += 1
            dcg += 1 / log2(Double(position) + 2)
            precisionSum += Double(hits) / Double(position + 1)
            if hits == 1 { reciprocalRank = 1 / Double(position + 1) }
        }
        let idealDCG = (0..<ideal).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
        recall = Double(hits) / Double(ideal)
        precision = Double(hits) / Double(k)
        ndcg = dcg / idealDCG
        hit = hits > 0 ? 1 : 0
        averagePrecision = precisionSum / Double(ideal)
    }
}
