import Foundation
import KindredLearning
import Testing

@testable import KindredEngine

/// The similar-items cache: a model is asked once per item while its list is held, a longer
/// list is asked for anew, and a full cache starts over.
@Suite struct SimilarItemsCacheTests {
    /// Neighbour lists 0 -> 1..<100 (by descending score) and so on, counting the questions.
    final class Counted: RecommenderModel, @unchecked Sendable {
        let base = ItemKNNModel(neighbours: (0..<5).map { item in
            (0..<100).filter { $0 != item }.map { ScoredItem(item: $0, score: Float(100 - $0)) }
        })
        let lock = NSLock()
        var asked: [(item: Int, count: Int)] = []
        var itemCount: Int { base.itemCount }
        func score(user: Int?, history: SparseVector, into scores: inout [Float]) { base.score(user: user, history: history, into: &scores) }
        func similarItems(to item: Int, count: Int) -> [ScoredItem] {
            lock.withLock { asked.append((item, count)) }
            return base.similarItems(to: item, count: count)
        }
    }

    @Test func aListIsAskedForOnceAndServedByPrefix() {
        let model = Counted()
        let cache = SimilarItemsCache(capacity: 2)
        let first = cache.similarItems(to: 0, count: 5, model: model)
        #expect(first.map(\.item) == [1, 2, 3, 4, 5])
        #expect(cache.similarItems(to: 0, count: 10, model: model).map(\.item) == Array(1...10))
        #expect(model.asked.map { [$0.item, $0.count] } == [[0, SimilarItemsCache.listLength]], "the second was served from the first")
        // Longer than held: asked anew, and held at that length.
        #expect(cache.similarItems(to: 0, count: 80, model: model).count == 80)
        #expect(cache.similarItems(to: 0, count: 70, model: model).count == 70)
        #expect(model.asked.map { [$0.item, $0.count] } == [[0, 64], [0, 80]])
        // Full at two lists: the third starts the cache over.
        _ = cache.similarItems(to: 1, count: 5, model: model)
        #expect(cache.count == 2)
        _ = cache.similarItems(to: 2, count: 5, model: model)
        #expect(cache.count == 1)
        _ = cache.similarItems(to: 0, count: 5, model: model)
        #expect(model.asked.map(\.item) == [0, 0, 1, 2, 0])
    }
}
