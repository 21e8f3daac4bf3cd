import Testing

@testable import KindredLearning

/// The long-tail quota on lists worked out by hand.
@Suite struct LongTailQuotaTests {
    func ranked(_ items: [Int]) -> [RankedItem] {
        items.enumerated().map { RankedItem(item: $1, score: Float(10 - $0), source: "model") }
    }

    /// Items 0-2 are the head, 3 and 4 the tail; candidates in order 0, 1, 3, 2, 4. With a share
    /// of 0.5: place 1 needs floor(0.5) = 0 tail items (0 goes first), place 2 needs 1 (3, the best
    /// tail item), place 3 none more (1), place 4 two (4); then the rest in order (2).
    @Test func everyPrefixHoldsItsQuota() {
        let quota = LongTailQuota(share: 0.5, isTail: [false, false, false, true, true])
        #expect(quota.rerank(ranked([0, 1, 3, 2, 4]), count: 4).map(\.item) == [0, 3, 1, 4, 2])
        // A share of 0 changes nothing; a list already holding its quota is unchanged.
        #expect(LongTailQuota(share: 0, isTail: [false, true]).rerank(ranked([0, 1]), count: 2).map(\.item) == [0, 1])
        #expect(quota.rerank(ranked([3, 4, 0, 1]), count: 4).map(\.item) == [3, 4, 0, 1])
    }

    /// When the candidates run out of tail items, the head fills the places rather than leave
    /// the list short.
    @Test func aShortTailDoesNotShortenTheList() {
        let quota = LongTailQuota(share: 1, isTail: [false, false, true])
        #expect(quota.rerank(ranked([0, 1, 2]), count: 3).map(\.item) == [2, 0, 1])
    }
}
