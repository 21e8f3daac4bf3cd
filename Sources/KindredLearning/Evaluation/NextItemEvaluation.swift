import Foundation

/// How well a model's "similar items" predict where people go next: for each step from item a
/// to item b in a held-out session, whether b is among a's `k` most similar items (hit rate)
/// and at which rank (mean reciprocal rank). This is what an item page's "similar items" list
/// is for, and the measure item2vec is usually compared on.
public struct NextItemMetrics: Sendable, Codable, Equatable {
    public var k: Int
    /// Steps evaluated: consecutive different items in test sessions whose first item the
    /// model was trained on.
    public var pairs: Int
    /// Steps left out because the model never saw their first item.
    public var skippedPairs: Int
    public var hitRate: Double
    public var mrr: Double

    public init(k: Int, pairs: Int, skippedPairs: Int, hitRate: Double, mrr: Double) {
        self.k = k
        self.pairs = pairs
        self.skippedPairs = skippedPairs
        self.hitRate = hitRate
        self.mrr = mrr
    }
}

public enum NextItemEvaluation {
    /// Each step (a, b) of every sequence, a != b (sequences already collapse repeats).
    public static func steps(of sequences: ItemSequences) -> [(from: Int, to: Int)] {
        var steps: [(from: Int, to: Int)] = []
        for s in 0..<sequences.count {
            let items = sequences[s]
            for (a, b) in zip(items, items.dropFirst()) where a != b { steps.append((Int(a), Int(b))) }
        }
        return steps
    }

    /// Scores `model.similarItems` on the steps whose first item `known` accepts (the items the
    /// training data holds). Each distinct first item is asked once.
    public static func evaluate(
        _ model: any RecommenderModel, steps: [(from: Int, to: Int)], k: Int, known: (Int) -> Bool, threads: Int = 2
    ) -> NextItemMetrics {
        let used = steps.filter { known($0.from) }
        let sources = Array(Set(used.map(\.from))).sorted()
        var lists = [[Int]](repeating: [], count: sources.count)
        lists.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            let workers = max(1, min(threads, sources.count))
            Parallel.run(workers: workers) { worker in
                var index = worker
                while index < sources.count {
                    out[index] = model.similarItems(to: sources[index], count: k).map(\.item)
                    index += workers
                }
            }
        }
        var position: [Int: Int] = [:]
        for (index, source) in sources.enumerated() { position[source] = index }
        var hits = 0.0
        var reciprocal = 0.0
        for step in used {
            if let rank = lists[position[step.from]!].firstIndex(of: step.to) {
                hits += 1
                reciprocal += 1 / Double(rank + 1)
            }
        }
        let n = Double(max(used.count, 1))
        return NextItemMetrics(
            k: k, pairs: used.count, skippedPairs: steps.count - used.count, hitRate: hits / n, mrr: reciprocal / n)
    }
}
