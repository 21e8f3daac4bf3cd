/// An item and its score.
public struct ScoredItem: Sendable, Equatable {
    public var item: Int
    public var score: Float

    public init(item: Int, score: Float) {
        self.item = item
        self.score = score
    }
}

/// Picks the k best-scored items with a bounded min-heap: O(n log k), no full sort. Ties go to
/// the lower index, so results are deterministic.
public enum TopK {
    public static func select(_ scores: UnsafeBufferPointer<Float>, k: Int, where keep: (Int) -> Bool = { _ in true }) -> [ScoredItem] {
        guard k > 0 else { return [] }
        var heap: [ScoredItem] = []
        heap.reserveCapacity(k)
        // "a is worse than b": lower score, or equal score and higher index.
        func worse(_ a: ScoredItem, _ b: ScoredItem) -> Bool { a.score < b.score || (a.score == b.score && a.item > b.item) }
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { return }
                var child = left
                if left + 1 < heap.count, worse(heap[left + 1], heap[left]) { child = left + 1 }
                guard worse(heap[child], heap[parent]) else { return }
                heap.swapAt(child, parent)
                parent = child
            }
        }
        // Once the heap is full, anything scoring below its worst is out: one comparison.
        var threshold = -Float.infinity
        for index in 0..<scores.count {
            let score = scores[index]
            if score < threshold || !(score > -Float.infinity) { continue }
            if heap.count == k {
                let candidate = ScoredItem(item: index, score: score)
                guard worse(heap[0], candidate), keep(index) else { continue }
                heap[0] = candidate
                siftDown(0)
                threshold = heap[0].score
            } else {
                guard keep(index) else { continue }
                heap.append(ScoredItem(item: index, score: score))
                var child = heap.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard worse(heap[child], heap[parent]) else { break }
                    heap.swapAt(child, parent)
                    child = parent
                }
                if heap.count == k { threshold = heap[0].score }
            }
        }
        return heap.sorted { worse($1, $0) }
    }

    public static func select(_ scores: [Float], k: Int, where keep: (Int) -> Bool = { _ in true }) -> [ScoredItem] {
        scores.withUnsafeBufferPointer { select($0, k: k, where: keep) }
    }
}
