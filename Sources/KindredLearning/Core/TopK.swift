/// An item and its score.
public struct ScoredItem: Sendable, Equatable {
    public var item: Int
    public var score: Float

    public init(item: Int, score: Float) {
        self.item = item
        self.score = score
    }
}

/// The k best-scored items seen so far, in a bounded min-heap: O(log k) per item that enters,
/// one comparison per item that does not. Ties go to the lower item index, so results do not
/// depend on the order items are offered in.
public struct TopKHeap {
    public let k: Int
    private var heap: [ScoredItem] = []
    /// Once full, anything scoring below the worst kept item is out.
    public private(set) var threshold = -Float.infinity

    public init(k: Int) {
        self.k = k
        heap.reserveCapacity(max(k, 0))
    }

    public var isFull: Bool { heap.count == k }

    /// "a is worse than b": lower score, or equal score and higher index.
    @inline(__always) private static func worse(_ a: ScoredItem, _ b: ScoredItem) -> Bool {
        a.score < b.score || (a.score == b.score && a.item > b.item)
    }

    /// Keeps `item` if it is among the k best so far and `keep` allows it; `keep` is asked only
    /// about items that would be kept.
    @inline(__always)
    public mutating func offer(_ item: Int, score: Float, where keep: (Int) -> Bool) {
        if score < threshold || !(score > -Float.infinity) || k <= 0 { return }
        let candidate = ScoredItem(item: item, score: score)
        if heap.count == k {
            guard Self.worse(heap[0], candidate), keep(item) else { return }
            heap[0] = candidate
            siftDown()
            threshold = heap[0].score
        } else {
            guard keep(item) else { return }
            heap.append(candidate)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.worse(heap[child], heap[parent]) else { break }
                heap.swapAt(child, parent)
                child = parent
            }
            if heap.count == k { threshold = heap[0].score }
        }
    }

    private mutating func siftDown() {
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var child = left
            if left + 1 < heap.count, Self.worse(heap[left + 1], heap[left]) { child = left + 1 }
            guard Self.worse(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            parent = child
        }
    }

    /// The items kept, best first.
    public func sorted() -> [ScoredItem] {
        heap.sorted { Self.worse($1, $0) }
    }
}

/// Picks the k best-scored items: O(n log k), no full sort. Ties go to the lower index, so
/// results are deterministic.
public enum TopK {
    public static func select(_ scores: UnsafeBufferPointer<Float>, k: Int, where keep: (Int) -> Bool = { _ in true }) -> [ScoredItem] {
        guard k > 0 else { return [] }
        var heap = TopKHeap(k: k)
        for index in 0..<scores.count { heap.offer(index, score: scores[index], where: keep) }
        return heap.sorted()
    }

    public static func select(_ scores: [Float], k: Int, where keep: (Int) -> Bool = { _ in true }) -> [ScoredItem] {
        scores.withUnsafeBufferPointer { select($0, k: k, where: keep) }
    }
}
