/// How alike two items are, 0 (nothing in common) to 1: what diversity re-ranking and
/// intra-list diversity measure lists by.
public protocol ItemSimilarity: Sendable {
    func similarity(_ a: Int, _ b: Int) -> Float
}

/// Cosine similarity of item vectors (a factor model's item factors, item2vec vectors),
/// clamped at 0: items pointing apart are as unlike as unrelated ones.
public struct EmbeddingSimilarity: ItemSimilarity {
    public let vectors: [Float]
    public let dimensions: Int
    private let norms: [Float]

    public init(vectors: [Float], dimensions: Int) {
        self.vectors = vectors
        self.dimensions = max(1, dimensions)
        let rows = vectors.count / self.dimensions
        norms = (0..<rows).map { row in
            var sum: Float = 0
            for d in 0..<dimensions { sum += vectors[row * dimensions + d] * vectors[row * dimensions + d] }
            return sum.squareRoot()
        }
    }

    public func similarity(_ a: Int, _ b: Int) -> Float {
        guard a < norms.count, b < norms.count, norms[a] > 0, norms[b] > 0 else { return 0 }
        var dot: Float = 0
        for d in 0..<dimensions { dot += vectors[a * dimensions + d] * vectors[b * dimensions + d] }
        return max(0, min(1, dot / (norms[a] * norms[b])))
    }
}

/// Items are alike when they share a group (a category): 1 or 0. What a catalog without
/// embeddings can still diversify by.
public struct GroupSimilarity: ItemSimilarity {
    public let groups: [Int32]

    public init(groups: [Int32]) {
        self.groups = groups
    }

    public func similarity(_ a: Int, _ b: Int) -> Float {
        guard a < groups.count, b < groups.count, groups[a] >= 0 else { return 0 }
        return groups[a] == groups[b] ? 1 : 0
    }
}

extension ItemSimilarity {
    /// Intra-list diversity: the mean of 1 - similarity over every pair in the list (0 for a
    /// list of fewer than two items).
    public func intraListDiversity(_ items: [Int]) -> Double {
        guard items.count > 1 else { return 0 }
        var sum = 0.0
        var pairs = 0
        for i in 0..<items.count {
            for j in (i + 1)..<items.count {
                sum += Double(1 - similarity(items[i], items[j]))
                pairs += 1
            }
        }
        return sum / Double(pairs)
    }
}
