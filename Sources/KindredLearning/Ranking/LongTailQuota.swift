/// A popularity-debiasing re-ranking: every prefix of the list holds at least `share` of
/// long-tail items (floor(share x length)), as far as the candidates have them. At each place,
/// when the list so far is short of its quota, the best remaining long-tail candidate takes the
/// place; otherwise the best remaining candidate of any kind. Scale-free (it reads ranks, not
/// scores), so it means the same for every model; what it costs in accuracy is measured by
/// `kindred evaluate` with it on (docs/benchmarks.md).
public struct LongTailQuota: Reranker {
    public var name: String { "long_tail_quota" }
    /// Long-tail items seldom rank near the top: the quota chooses from ten times the list.
    public var poolFactor: Int { 10 }
    public let share: Double
    /// Per item index: whether it is in the long tail (outside the short head).
    public let isTail: [Bool]

    public init(share: Double, isTail: [Bool]) {
        precondition((0...1).contains(share), "a share is 0...1")
        self.share = share
        self.isTail = isTail
    }

    public func rerank(_ candidates: [RankedItem], count: Int) -> [RankedItem] {
        guard share > 0, !candidates.isEmpty else { return candidates }
        var remaining = candidates
        var placed: [RankedItem] = []
        var tailPlaced = 0
        while placed.count < count, !remaining.isEmpty {
            let position = placed.count + 1
            let quota = Int((share * Double(position)).rounded(.down))
            var pick = 0
            if tailPlaced < quota, let tail = remaining.firstIndex(where: { tail($0.item) }) { pick = tail }
            let item = remaining.remove(at: pick)
            if tail(item.item) { tailPlaced += 1 }
            placed.append(item)
        }
        return placed + remaining
    }

    private func tail(_ item: Int) -> Bool { item < isTail.count && isTail[item] }
}
