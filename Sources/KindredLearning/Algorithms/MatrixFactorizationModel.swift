/// User and item factor matrices (row-major), as ALS and BPR learn them. Scores are dot
/// products; similar items are cosine neighbours in factor space; a user the model has not
/// seen, or whose history changed since training, is folded in: their vector is solved from
/// the fixed item factors in one small least-squares problem.
public struct MatrixFactorizationModel: RecommenderModel {
    public let userFactors: [Float]
    public let itemFactors: [Float]
    /// Per-item additive bias (BPR learns one); empty when none.
    public let itemBias: [Float]
    public let factors: Int
    public let regularization: Float
    public let alpha: Float
    /// Yt Y + regularization I, precomputed for fold-in.
    private let regularizedGram: [Float]
    /// Per item, the Euclidean norm of its factors (bounds its score for any query).
    let itemNorms: [Float]
    /// Int8 copy of the item factors for the first pass of `top` (see `CandidateRanking`), the
    /// items in descending order of norm: row r is item `scanOrder[r]`, of norm `scanNorms[r]`.
    let quantizedItems: QuantizedRows
    let scanOrder: [Int32]
    let scanNorms: [Float]
    /// The largest item bias (0 without biases): part of the bound that ends a scan early.
    let largestBias: Float

    public init(
        userFactors: [Float], itemFactors: [Float], itemBias: [Float] = [], factors: Int, regularization: Float, alpha: Float
    ) {
        self.userFactors = userFactors
        self.itemFactors = itemFactors
        self.itemBias = itemBias
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        var gram = Gram.compute(itemFactors, rows: itemFactors.count / max(factors, 1), factors: factors, threads: 1)
        for d in 0..<factors { gram[d * factors + d] += max(regularization, 1e-3) }
        regularizedGram = gram
        let norms = itemFactors.withUnsafeBufferPointer { y in
            (0..<(itemFactors.count / max(factors, 1))).map { item in
                VectorMath.dot(y.baseAddress! + item * factors, y.baseAddress! + item * factors, factors).squareRoot()
            }
        }
        itemNorms = norms
        let order = norms.indices.sorted { norms[$0] > norms[$1] || (norms[$0] == norms[$1] && $0 < $1) }
        var ordered = [Float]()
        ordered.reserveCapacity(itemFactors.count)
        for item in order { ordered += itemFactors[(item * factors)..<((item + 1) * factors)] }
        quantizedItems = QuantizedRows(ordered, dimension: factors)
        scanOrder = order.map { Int32($0) }
        scanNorms = order.map { norms[$0] }
        largestBias = max(0, itemBias.max() ?? 0)
    }

    public var itemCount: Int { itemFactors.count / factors }
    public var userCount: Int { userFactors.count / factors }

    /// The stored vector of a known user.
    public func userVector(_ user: Int) -> [Float] {
        Array(userFactors[(user * factors)..<((user + 1) * factors)])
    }

    /// Solves a user vector from a history of interaction weights (confidence 1 + alpha w):
    /// (Yt Y + reg I + Yt (C - I) Y) x = Yt C p.
    public func foldIn(_ history: SparseVector) -> [Float] {
        guard !history.isEmpty else { return [Float](repeating: 0, count: factors) }
        let f = factors
        var matrix = regularizedGram
        var rhs = [Float](repeating: 0, count: f)
        itemFactors.withUnsafeBufferPointer { y in
            matrix.withUnsafeMutableBufferPointer { a in
                for (item, weight) in zip(history.indices, history.values) where Int(item) < itemCount {
                    let yi = y.baseAddress! + Int(item) * f
                    let c = 1 + alpha * weight
                    for row in 0..<f where yi[row] != 0 { VectorMath.axpy((c - 1) * yi[row], yi, a.baseAddress! + row * f, f) }
                    for d in 0..<f { rhs[d] += c * yi[d] }
                }
            }
        }
        return DenseSolve.choleskySolve(&matrix, rhs, n: f) ?? [Float](repeating: 0, count: f)
    }

    public func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        let vector: [Float]
        if let user, user < userCount { vector = userVector(user) } else { vector = foldIn(history) }
        score(vector: vector, into: &scores)
    }

    /// Scores every item for a given user vector.
    public func score(vector: [Float], into scores: inout [Float]) {
        let count = itemCount
        if scores.count != count { scores = [Float](repeating: 0, count: count) }
        itemFactors.withUnsafeBufferPointer { y in
            vector.withUnsafeBufferPointer { v in
                scores.withUnsafeMutableBufferPointer { out in
                    VectorMath.multiplyRows(y.baseAddress!, count: count, dimension: factors, by: v.baseAddress!, into: out.baseAddress!)
                }
            }
        }
        if !itemBias.isEmpty { for index in 0..<count { scores[index] += itemBias[index] } }
    }

    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        guard item < itemCount, itemNorms[item] > 0 else { return [] }
        if itemCount > Self.similarScanThreshold { return similarItemsByScan(to: item, count: count) }
        return similarItemsScoringEveryItem(to: item, count: count)
    }

    /// Exact cosine against every item: what `similarItemsByScan` approximates (tests compare).
    func similarItemsScoringEveryItem(to item: Int, count: Int) -> [ScoredItem] {
        guard item < itemCount, itemNorms[item] > 0 else { return [] }
        var scores = [Float](repeating: 0, count: itemCount)
        score(vector: Array(itemFactors[(item * factors)..<((item + 1) * factors)]), into: &scores)
        if !itemBias.isEmpty { for index in scores.indices { scores[index] -= itemBias[index] } }
        for index in scores.indices {
            scores[index] = itemNorms[index] > 0 ? scores[index] / (itemNorms[index] * itemNorms[item]) : -.infinity
        }
        return TopK.select(scores, k: count) { $0 != item }
    }
}
