/// EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): the item-item
/// weight matrix B that best reconstructs each person's row from the other items, with a zero
/// diagonal and an L2 penalty λ, has the closed form B = I - P diag(1/diag(P)), P = (XᵀX + λI)⁻¹,
/// X being who took what (see `gram`).
/// One hyper-parameter, no iterations, and on many public data sets as accurate as any
/// factorization; the price is a dense items x items inverse, so it is for catalogs up to some
/// tens of thousands of items (`SymmetricInverse.bytesNeeded`).
///
/// The dense B is not kept: each item keeps its `neighbours` largest weights by magnitude
/// (negative ones too: "people who took this rarely take that" is part of the model), which is
/// an `ItemKNNModel` and is served, stored and explained like one.
public struct EASEAlgorithm: RecommenderAlgorithm {
    /// λ, added to the Gram matrix's diagonal. The paper's data sets wanted 200 to 3,000.
    public var regularization: Float
    public var neighbours: Int
    public var threads: Int

    public init(regularization: Float = 500, neighbours: Int = 100, threads: Int = 2) {
        self.regularization = regularization
        self.neighbours = neighbours
        self.threads = threads
    }

    public var name: String { "ease" }
    public var hyperparameters: [String: Double] {
        ["regularization": Double(decimal: regularization), "neighbours": Double(neighbours)]
    }

    /// Peak bytes of a fit on `items` items: the Gram matrix and one scratch matrix like it.
    public static func bytesNeeded(items: Int) -> Int { SymmetricInverse.bytesNeeded(n: items) }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        let n = data.items
        var gram = Self.gram(data.interactions, threads: threads)
        for item in 0..<n { gram[item * n + item] += regularization }
        // XᵀX is positive semi-definite, so with λ > 0 the factorization only fails on a
        // non-finite weight; such a model recommends nothing rather than garbage.
        guard regularization > 0, SymmetricInverse.invert(&gram, n: n, threads: threads) else {
            return ItemKNNModel(neighbours: Array(repeating: [], count: n))
        }
        return ItemKNNModel(neighbours: Self.strongestWeights(inverse: gram, n: n, keep: neighbours, threads: threads))
    }

    /// XᵀX of the binary X (who took what), dense and row-major: pairs counted once per person
    /// however much each weighed, as in the paper. Weighted rows (a customer's fifty orders of
    /// one product) let a few heavy buyers dominate the Gram matrix; on Online Retail's
    /// protocol (bench/accuracy.sh, λ = 500, 400 neighbours) recall@20 was 0.1034 with them and
    /// 0.1137 without. Scoring still weighs a person's history by its weights.
    ///
    /// Each worker owns the rows a with a % workers == worker and walks every person, counting
    /// the pairs of their row that start in its rows.
    static func gram(_ x: SparseMatrix, threads: Int) -> [Float] {
        let n = x.columns
        var gram = [Float](repeating: 0, count: n * n)
        let workers = max(1, min(threads, n))
        gram.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            Parallel.run(workers: workers) { worker in
                for person in 0..<x.rows {
                    let range = x.rowStarts[person]..<x.rowStarts[person + 1]
                    for first in range where Int(x.columnIndices[first]) % workers == worker && x.values[first] > 0 {
                        let row = out.base + Int(x.columnIndices[first]) * n
                        for second in range where x.values[second] > 0 { row[Int(x.columnIndices[second])] += 1 }
                    }
                }
            }
        }
        return gram
    }

    /// Per item i, the `keep` entries B[i][j] = -P[i][j] / P[j][j] (j ≠ i) largest in
    /// magnitude, listed best (most positive) first.
    static func strongestWeights(inverse p: [Float], n: Int, keep: Int, threads: Int) -> [[ScoredItem]] {
        var lists = [[ScoredItem]](repeating: [], count: n)
        guard keep > 0 else { return lists }
        let scale = (0..<n).map { -1 / p[$0 * n + $0] }
        let workers = max(1, min(threads, n))
        lists.withUnsafeMutableBufferPointer { output in
            let out = SharedPointer(output.baseAddress!)
            Parallel.run(workers: workers) { worker in
                var item = worker
                while item < n {
                    var heap = TopKHeap(k: keep)
                    for other in 0..<n where other != item {
                        let weight = p[item * n + other] * scale[other]
                        if weight != 0 { heap.offer(other, score: abs(weight)) { _ in true } }
                    }
                    out[item] = heap.sorted()
                        .map { ScoredItem(item: $0.item, score: p[item * n + $0.item] * scale[$0.item]) }
                        .sorted { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
                    item += workers
                }
            }
        }
        return lists
    }
}
