import KindredStore

/// The order of a page's blocks for one person: each block's engagement rate (lists that led
/// to a click, cart or purchase, over lists shown, in the last 30 days), smoothed toward a prior
/// of 1 in 10 with the weight of 10 lists, so that a block shown twice and clicked once does
/// not leap ahead of one with a long record; ties keep the shop's order. Without any record
/// the shop's order stands.
enum BlockOrder {
    static let priorRate = 0.1
    static let priorWeight = 10.0
    static let windowMs: Int64 = 30 * 86_400_000

    static func rate(shown: Int, engaged: Int) -> Double {
        (Double(engaged) + priorRate * priorWeight) / (Double(shown) + priorWeight)
    }

    /// `leading` (a segment strategy's block keys) come first in their order, whatever the
    /// engagement; the rest follow in the person's order. A `layout` (an experiment variant's)
    /// is the whole page: its blocks alone, in its order.
    static func ordered(
        _ blocks: [BlockStore.Block], engagement: [String: (shown: Int, engaged: Int)], leading: [String], layout: [String]? = nil
    ) -> (blocks: [BlockStore.Block], personalized: Bool) {
        if let layout { return (layout.compactMap { key in blocks.first { $0.key == key } }, false) }
        let (rest, personalized) = ordered(blocks.filter { !leading.contains($0.key) }, engagement: engagement)
        let first = leading.compactMap { key in blocks.first { $0.key == key } }
        return (first + rest, personalized)
    }

    static func ordered(_ blocks: [BlockStore.Block], engagement: [String: (shown: Int, engaged: Int)]) -> (
        blocks: [BlockStore.Block], personalized: Bool
    ) {
        guard blocks.contains(where: { (engagement[$0.key]?.shown ?? 0) > 0 }) else { return (blocks, false) }
        let rated = blocks.enumerated().map { index, block in
            (index, block, engagement[block.key].map { rate(shown: $0.shown, engaged: $0.engaged) } ?? priorRate)
        }
        return (rated.sorted { ($0.2, -$0.0) > ($1.2, -$1.0) }.map(\.1), true)
    }
}
