/// item2vec (Barkan and Koenigstein, 2016): skip-gram with negative sampling over sequences
/// of items, so that items used in the same sessions get similar vectors; items no sequence
/// placed get vectors from their words (`MetadataEmbedding`).
public struct Item2VecAlgorithm: RecommenderAlgorithm {
    public var parameters: SkipGramParameters
    /// Sessions (item2vec as published), or each person's whole history as one sequence, which
    /// links what a person did across visits at the cost of linking unrelated visits.
    public var grouping: SequenceGrouping
    public var threads: Int
    public var seed: UInt64

    public init(parameters: SkipGramParameters = .init(), grouping: SequenceGrouping = .sessions, threads: Int = 2, seed: UInt64 = 42) {
        self.parameters = parameters
        self.grouping = grouping
        self.threads = threads
        self.seed = seed
    }

    public var name: String { "item2vec" }
    public var sequenceGrouping: SequenceGrouping? { grouping }

    public var hyperparameters: [String: Double] {
        [
            "factors": Double(parameters.dimensions), "window": Double(parameters.window), "negatives": Double(parameters.negatives),
            "negative_exponent": parameters.negativeExponent, "subsampling": parameters.subsampling,
            "epochs": Double(parameters.epochs), "learning_rate": Double(decimal: parameters.learningRate),
            "min_count": Double(parameters.minCount), "person_sequences": grouping == .people ? 1 : 0, "seed": Double(seed),
        ]
    }

    /// Learns from `data.sequences` of its grouping when the caller built them (in time
    /// order), and otherwise from each person's row of the matrix, whose order is not known.
    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        let sequences = data.sequences[grouping] ?? ItemSequences(rows: data.interactions)
        let learned = SkipGram.train(sequences, vocabulary: data.items, parameters: parameters, threads: threads, seed: seed)
        let (vectors, filled) = MetadataEmbedding.fill(learned, dimensions: parameters.dimensions, itemText: data.itemText)
        return Item2VecModel(vectors: vectors, dimensions: parameters.dimensions, placedByWords: filled)
    }
}

/// Item vectors without user vectors. Likeness is the cosine of two items' vectors; a person
/// is the weighted mean of the directions of what they did, so an item's score is the
/// weighted mean cosine to their history, which the quantized scan of factor models ranks.
///
/// An item placed by its words alone sits near the middle of the items described alike, so
/// it is close to all of them: left as it is, one new product would lead the similar items of
/// its whole category. As a candidate its score is therefore weighed by
/// `placedByWordsWeight`: behind the items behaviour put close, ahead of unrelated ones. As a
/// query (the new product's own similar items) its direction counts in full.
public struct Item2VecModel: CandidateRanking, ExplainableModel {
    /// What a candidate placed by words alone scores, as a share of its cosine.
    public static let placedByWordsWeight: Float = 0.5

    /// The vectors as trained (what the registry stores).
    public let vectors: [Float]
    public let dimensions: Int
    /// Per item, whether its vector came from its words (no behaviour placed it).
    public let placedByWords: [Bool]
    /// Unit-length directions: the queries, and likeness for diversity.
    public let unitVectors: [Float]
    /// The directions as candidates, those placed by words weighed down, as a factor model
    /// without users: its scan and explanations serve this model unchanged.
    let directions: MatrixFactorizationModel

    public init(vectors: [Float], dimensions: Int, placedByWords: [Bool] = []) {
        self.vectors = vectors
        self.dimensions = dimensions
        let items = dimensions > 0 ? vectors.count / dimensions : 0
        self.placedByWords = placedByWords.count == items ? placedByWords : [Bool](repeating: false, count: items)
        var unit = vectors
        for item in 0..<items {
            let range = (item * dimensions)..<((item + 1) * dimensions)
            let norm = vectors[range].reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            if norm > 0 { for index in range { unit[index] = vectors[index] / norm } }
        }
        unitVectors = unit
        var candidates = unit
        for item in 0..<items where self.placedByWords[item] {
            for index in (item * dimensions)..<((item + 1) * dimensions) { candidates[index] *= Self.placedByWordsWeight }
        }
        directions = MatrixFactorizationModel(userFactors: [], itemFactors: candidates, factors: dimensions, regularization: 0, alpha: 0)
    }

    public var itemCount: Int { directions.itemCount }

    /// The weighted mean direction of the history's items (zero for an empty history).
    public func queryVector(history: SparseVector) -> [Float] {
        var query = [Float](repeating: 0, count: dimensions)
        var total: Float = 0
        unitVectors.withUnsafeBufferPointer { unit in
            query.withUnsafeMutableBufferPointer { out in
                for (item, weight) in zip(history.indices, history.values) where Int(item) < itemCount && weight > 0 {
                    VectorMath.axpy(weight, unit.baseAddress! + Int(item) * dimensions, out.baseAddress!, dimensions)
                    total += weight
                }
            }
        }
        if total > 0 { for d in 0..<dimensions { query[d] /= total } }
        return query
    }

    public func score(user: Int?, history: SparseVector, into scores: inout [Float]) {
        directions.score(vector: queryVector(history: history), into: &scores)
    }

    public func top(user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        let query = queryVector(history: history)
        guard query.contains(where: { $0 != 0 }) else { return [] }
        let candidates = directions.firstPass(
            query, pool: max(count * 4, MatrixFactorizationModel.candidatePool), prune: true, keep: keep
        ).candidates
        return directions.rankExactly(candidates, vector: query, count: count)
    }

    /// Cosine neighbours, those placed by words weighed down; items without a vector never.
    public func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        guard item < itemCount, directions.itemNorms[item] > 0 else { return [] }
        let query = Array(unitVectors[(item * dimensions)..<((item + 1) * dimensions)])
        if itemCount > MatrixFactorizationModel.similarScanThreshold {
            // The scan's bound holds: rows are unit length, or half that when placed by words.
            let candidates = directions.firstPass(
                query, pool: max(count * 4, MatrixFactorizationModel.candidatePool), prune: true,
                keep: { $0 != item && directions.itemNorms[$0] > 0 }
            ).candidates
            return directions.rankExactly(candidates, vector: query, count: count)
        }
        var scores = [Float](repeating: 0, count: itemCount)
        directions.score(vector: query, into: &scores)
        return TopK.select(scores, k: count) { $0 != item && directions.itemNorms[$0] > 0 }
    }

    public func explain(item: Int, history: SparseVector) -> Int? {
        directions.explain(item: item, history: history)
    }
}
