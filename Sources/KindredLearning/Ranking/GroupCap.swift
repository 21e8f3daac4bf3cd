/// At most `limit` items of one group (a category, a brand) in a list: the candidates keep
/// their order, and an item over its group's cap gives its place to the next one allowed.
/// Items with no group (-1) are never capped. When the candidates run out before the list
/// is full, the capped items fill the remaining places in order rather than leave it short.
public struct GroupCap: Reranker {
    public let name: String
    public let limit: Int
    /// Per item index, its group number; -1 for none.
    public let groups: [Int32]

    public init(name: String, limit: Int, groups: [Int32]) {
        self.name = name
        self.limit = max(1, limit)
        self.groups = groups
    }

    public func rerank(_ candidates: [RankedItem], count: Int) -> [RankedItem] {
        var counts: [Int32: Int] = [:]
        var kept: [RankedItem] = []
        var overflow: [RankedItem] = []
        for candidate in candidates {
            let group = candidate.item < groups.count ? groups[candidate.item] : -1
            if group < 0 {
                kept.append(candidate)
            } else if counts[group, default: 0] < limit {
                counts[group, default: 0] += 1
                kept.append(candidate)
            } else {
                overflow.append(candidate)
            }
        }
        if kept.count < count { kept += overflow.prefix(count - kept.count) }
        return kept
    }
}
