/// Collaborative filtering blended with content similarity: for a user with n interactions
/// the collaborative score counts n / (n + shrink) and the content score the rest, each
/// scaled to its maximum; popularity breaks ties. New users thus start from content and
/// popularity and move to collaborative filtering as they act, and items no one has touched
/// yet can still be recommended through what they resemble.
public struct HybridAlgorithm: RecommenderAlgorithm {
    public var collaborative: ALSAlgorithm
    public var content: ContentAlgorithm
    public var contentShrink: Float

    public init(collaborative: ALSAlgorithm = ALSAlgorithm(), content: ContentAlgorithm = ContentAlgorithm(), contentShrink: Float = 5) {
        self.collaborative = collaborative
        self.content = content
        self.contentShrink = contentShrink
    }

    public var name: String { "hybrid" }
    public var hyperparameters: [String: Double] {
        collaborative.hyperparameters.merging(["content_shrink": Double(decimal: contentShrink)]) { a, _ in a }
    }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        var popularity = [Float](repeating: 0, count: data.items)
        for column in data.interactions.columnIndices { popularity[Int(column)] += 1 }
        return HybridModel(
            collaborative: collaborative.fitFactors(data), content: content.fitNeighbours(data), popularity: popularity,
            contentShrink: contentShrink)
    }
}

public struct HybridModel: RecommenderModel {
    public let collaborative: MatrixFactorizationModel
    public let content: ItemKNNModel
    public let popularity: [Float]
    public let contentShrink: Float
    /// The largest popularity (at least a tiny positive number): popularity's scale.
    let popularityScale: Float
    /// Items by descending popularity, ties to the lower index: the tie-breaker's own ranking.
    let popularityOrder: [Int32]
    /// The largest item factor norm: with the query's norm, a bound on every collaborative score.
    let largestItemNorm: Float

    public init(collaborative: MatrixFactorizationModel, content: ItemKNNModel, popularity: [Float], contentShrink: Float) {
        self.collaborative = collaborative
        self.content = content
        self.popularity = popularity
        self.contentShrink = contentShrink
        popularityScale = max(popularity.max() ?? 0, 1e-12)
        popularityOrder = popularity.indices.sorted { popularity[$0] > popularity[$1] || (popularity[$0] == popularity[$1] && $0 < $1) }
            .map { Int32($0) }
        largestItemNorm = collaborative.scanNorms.first ?? 0
    }

    public var itemCount: Int { popularity.count }

    /// How much the collaborative part counts for a history of `n` items.
    func collaborativeShare(_ n: Int) -> Float { Float(n) / (Float(n) + contentShrink) }

    /// The collaborative scores' scale for a query: its norm times the largest item norm, an
    /// upper bound on every item's score (Cauchy-Schwarz). It depends on the query alone, so a
    /// ranking that scores only some items blends exactly as one that scores them all.
    func collaborativeScale(_ vector: [Float]) -> Float {
        max(vector.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() * largestItemNorm, 1e-12)
    }

    /// The blended score; both the full scoring and the candidate ranking use this one formula.
    @inline(__always)
    func blend(share: Float, collaborative cf: Float, cfScale: Float, content ct: Float, contentScale: Float, item: Int) -> Float {
        share * cf / cfScale + (1 - share) * ct / contentScale + 0.001 * popularity[item] / popularityScale
    }

    public func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        let share = collaborativeShare(history.indices.count)
        var contentScores = [Float](repeating: 0, count: itemCount)
        content.score(user: user, history: history, into: &contentScores)
        var cfScale: Float = 1
        if !history.indices.isEmpty {
            let vector = collaborative.queryVector(user: user, history: history)
            cfScale = collaborativeScale(vector)
            collaborative.score(vector: vector, into: &scores)
        } else {
            for index in scores.indices { scores[index] = 0 }
        }
        let contentScale = max(contentScores.max() ?? 0, 1e-12)
        for index in 0..<itemCount {
            scores[index] = blend(
                share: share, collaborative: scores[index], cfScale: cfScale, content: contentScores[index], contentScale: contentScale,
                item: index)
        }
    }

    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        var blended: [Int: Float] = [:]
        let cf = collaborative.similarItems(to: item, count: count * 2)
        let ct = content.similarItems(to: item, count: count * 2)
        let cfMax = max(cf.first?.score ?? 0, 1e-12)
        let ctMax = max(ct.first?.score ?? 0, 1e-12)
        for entry in cf { blended[entry.item, default: 0] += 0.5 * entry.score / cfMax }
        for entry in ct { blended[entry.item, default: 0] += 0.5 * entry.score / ctMax }
        return blended.map { ScoredItem(item: $0.key, score: $0.value) }
            .sorted { $0.score > $1.score || ($0.score == $1.score && $0.item < $1.item) }
            .prefix(count).map { $0 }
    }
}
