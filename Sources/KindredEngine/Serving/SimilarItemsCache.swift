import Foundation
import KindredLearning

/// A loaded model's similar-item lists, kept as they are asked for: a list depends on the
/// model alone (filters and preferences apply after it), and the same products are asked about
/// again and again (a product page's "more like this", the "because you viewed" of people who
/// viewed the same bestseller), while each list costs a scan of the whole catalog. Lives in its
/// `ServingModel`, so a new model version starts empty. At most `capacity` lists; when full, it
/// starts over (lists are cheap to refill and the popular ones come back first).
final class SimilarItemsCache: @unchecked Sendable {
    /// Every list holds at least this many, so that most askers share one entry.
    static let listLength = 64
    let capacity: Int
    private let lock = NSLock()
    /// Per item, the list and how many were asked for (a list may be shorter: all there is).
    private var lists: [Int: (asked: Int, items: [ScoredItem])] = [:]

    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    /// The `count` items most like `item`, from the cache or from `model` (once per item while
    /// it stays cached, unless a longer list is asked for).
    func similarItems(to item: Int, count: Int, model: any RecommenderModel) -> [ScoredItem] {
        if let held = lock.withLock({ lists[item] }), count <= held.asked { return Array(held.items.prefix(count)) }
        let asked = max(count, Self.listLength)
        let list = model.similarItems(to: item, count: asked)
        lock.withLock {
            if lists.count >= capacity { lists.removeAll(keepingCapacity: true) }
            lists[item] = (asked, list)
        }
        return Array(list.prefix(count))
    }

    var count: Int { lock.withLock { lists.count } }
}
