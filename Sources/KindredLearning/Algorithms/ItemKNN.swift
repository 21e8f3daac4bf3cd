import Foundation

/// Item-based nearest neighbours: item-item similarity from co-occurrence, keeping the K most
/// similar items per item; a user's score for an item sums the similarities to what they
/// interacted with, weighted by how much. Cosine uses unit-length item vectors; BM25 first
/// reweights each item's vector over users as a BM25 document (idf per user, length
/// normalization per item), as the `implicit` library does.
public struct ItemKNNAlgorithm: RecommenderAlgorithm {
    public enum Similarity: String, Sendable { case cosine, bm25 }

    public var similarity: Similarity
    public var neighbours: Int
    public var k1: Double
    public var b: Double
    public var threads: Int

    public init(similarity: Similarity = .bm25, neighbours: Int = 50, k1: Double = 1.2, b: Double = 0.75, threads: Int = 2) {
        self.similarity = similarity
        self.neighbours = neighbours
        self.k1 = k1
        self.b = b
        self.threads = threads
    }

    public var name: String { "item-knn-\(similarity.rawValue)" }
    public var hyperparameters: [String: Double] {
        similarity == .bm25 ? ["neighbours": Double(neighbours), "k1": k1, "b": b] : ["neighbours": Double(neighbours)]
    }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        let weighted = weightedItemVectors(data.interactions)  // items x users
        let byUser = weighted.transposed()  // users x items
        let neighbourLists = NeighbourSearch.allPairs(itemsByUser: byUser, userItems: weighted, k: neighbours, threads: threads)
        return ItemKNNModel(neighbours: neighbourLists)
    }

    /// Items x users matrix of the weights the similarity is computed on.
    func weightedItemVectors(_ interactions: SparseMatrix) -> SparseMatrix {
        let itemUsers = interactions.transposed()
        switch similarity {
        case .cosine:
            var values = itemUsers.values
            for item in 0..<itemUsers.rows {
                let range = itemUsers.rowStarts[item]..<itemUsers.rowStarts[item + 1]
                let norm = range.reduce(Float(0)) { $0 + values[$1] * values[$1] }.squareRoot()
                if norm > 0 { for k in range { values[k] /= norm } }
            }
            return SparseMatrix(
                rows: itemUsers.rows, columns: itemUsers.columns, rowStarts: itemUsers.rowStarts,
                columnIndices: itemUsers.columnIndices, values: values)
        case .bm25:
            // Documents are items, terms are users.
            let documents = Double(itemUsers.rows)
            var documentFrequency = [Double](repeating: 0, count: itemUsers.columns)
            for user in itemUsers.columnIndices { documentFrequency[Int(user)] += 1 }
            let idf = documentFrequency.map { log(documents) - log1p($0) }
            var lengths = [Double](repeating: 0, count: itemUsers.rows)
            for item in 0..<itemUsers.rows {
                lengths[item] = itemUsers.values[itemUsers.rowStarts[item]..<itemUsers.rowStarts[item + 1]].reduce(0) { $0 + Double($1) }
            }
            let averageLength = max(lengths.reduce(0, +) / max(documents, 1), 1e-9)
            var values = itemUsers.values
            for item in 0..<itemUsers.rows {
                let lengthNorm = (1 - b) + b * lengths[item] / averageLength
                for k in itemUsers.rowStarts[item]..<itemUsers.rowStarts[item + 1] {
                    let x = Double(values[k])
                    values[k] = Float(x * (k1 + 1) / (k1 * lengthNorm + x) * idf[Int(itemUsers.columnIndices[k])])
                }
            }
            return SparseMatrix(
                rows: itemUsers.rows, columns: itemUsers.columns, rowStarts: itemUsers.rowStarts,
                columnIndices: itemUsers.columnIndices, values: values)
        }
    }
}

/// Per item, its most similar items and their similarities (self excluded).
public struct ItemKNNModel: RecommenderModel {
    public let neighbours: [[ScoredItem]]

    public init(neighbours: [[ScoredItem]]) {
        self.neighbours = neighbours
    }

    public var itemCount: Int { neighbours.count }

    public func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        for index in scores.indices { scores[index] = 0 }
        for (item, weight) in zip(history.indices, history.values) where Int(item) < neighbours.count {
            for neighbour in neighbours[Int(item)] { scores[neighbour.item] += weight * neighbour.score }
        }
    }

    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        guard item < neighbours.count else { return [] }
        // Lists are best first; EASE's end in negative weights, which are no likeness.
        return Array(neighbours[item].prefix(count).prefix { $0.score > 0 })
    }
}

/// Exact all-pairs top-K by sparse dot products, parallel over items: item-item neighbours
/// over users. (Content neighbours, unit TF-IDF rows, go through `CosineNeighbourSearch`,
/// which returns the same lists without walking every common term; its tests hold the two
/// together.)
///
/// Memory is items x K plus one dense accumulator per worker: each item's row of
/// similarities is accumulated, its best K kept in a bounded heap, and the row cleared before
/// the next item. Candidate pairs are never collected (a term shared by a fifth of a large
/// catalog makes tens of thousands of them per item).
enum NeighbourSearch {
    /// `userItems`: items x users (each item's vector); `itemsByUser`: its transpose (users x
    /// items).
    static func allPairs(itemsByUser: SparseMatrix, userItems: SparseMatrix, k: Int, threads: Int) -> [[ScoredItem]] {
        let items = userItems.rows
        var result = [[ScoredItem]](repeating: [], count: items)
        guard k > 0 else { return result }
        let workers = max(1, threads)
        result.withUnsafeMutableBufferPointer { output in
            let out = SharedPointer(output.baseAddress!)
            Parallel.run(workers: workers) { worker in
                // The inner loop runs billions of times on a large catalog: raw pointers, and a
                // flag per item instead of testing the accumulator for zero.
                let accumulator = UnsafeMutablePointer<Float>.allocate(capacity: max(items, 1))
                accumulator.initialize(repeating: 0, count: max(items, 1))
                let seen = UnsafeMutablePointer<Bool>.allocate(capacity: max(items, 1))
                seen.initialize(repeating: false, count: max(items, 1))
                let touched = UnsafeMutablePointer<Int32>.allocate(capacity: max(items, 1))
                defer {
                    accumulator.deallocate()
                    seen.deallocate()
                    touched.deallocate()
                }
                userItems.rowStarts.withUnsafeBufferPointer { aStarts in
                    userItems.columnIndices.withUnsafeBufferPointer { aColumns in
                        userItems.values.withUnsafeBufferPointer { aValues in
                            itemsByUser.rowStarts.withUnsafeBufferPointer { bStarts in
                                itemsByUser.columnIndices.withUnsafeBufferPointer { bColumns in
                                    itemsByUser.values.withUnsafeBufferPointer { bValues in
                                        var item = worker
                                        while item < items {
                                            var touchedCount = 0
                                            for a in aStarts[item]..<aStarts[item + 1] {
                                                let user = Int(aColumns[a])
                                                let weight = aValues[a]
                                                for c in bStarts[user]..<bStarts[user + 1] {
                                                    let other = Int(bColumns[c])
                                                    if !seen[other] {
                                                        seen[other] = true
                                                        touched[touchedCount] = Int32(other)
                                                        touchedCount += 1
                                                    }
                                                    accumulator[other] += weight * bValues[c]
                                                }
                                            }
                                            accumulator[item] = 0
                                            var best = TopKHeap(k: k)
                                            for t in 0..<touchedCount {
                                                let other = Int(touched[t])
                                                let score = accumulator[other]
                                                if score > 0 { best.offer(other, score: score) { _ in true } }
                                                accumulator[other] = 0
                                                seen[other] = false
                                            }
                                            // `sorted()` returns a fresh array of exactly the kept items:
                                            // no capacity from the row's candidates survives in the result.
                                            out[item] = best.sorted()
                                            item += workers
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
