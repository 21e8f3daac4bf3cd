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

    public init(collaborative: MatrixFactorizationModel, content: ItemKNNModel, popularity: [Float], contentShrink: Float) {
        self.collaborative = collaborative
        self.content = content
        self.popularity = popularity
        self.contentShrink = contentShrink
    }

    public var itemCount: Int { popularity.count }

    public func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        let n = Float(history.indices.count)
        let share = n / (n + contentShrink)
        var contentScores = [Float](repeating: 0, count: itemCount)
        content.score(user: user, history: history, into: &contentScores)
        if n > 0 {
            collaborative.score(user: user, history: history, into: &scores)
        } else {
            for index in scores.indices { scores[index] = 0 }
        }
        let cfMax = max(scores.map(abs).max() ?? 0, 1e-12)
        let contentMax = max(contentScores.max() ?? 0, 1e-12)
        let popularityMax = max(popularity.max() ?? 0, 1e-12)
        for index in 0..<itemCount {
            scores[index] =
                share * scores[index] / cfMax + (1 - share) * contentScores[index] / contentMax
                + 0.001 * popularity[index] / popularityMax
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
