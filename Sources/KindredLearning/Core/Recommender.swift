/// What every algorithm learns from: interaction weights on dense indices, plus what some
/// algorithms use besides (item text for content similarity, recent activity for trending).
public struct TrainingSet: Sendable {
    /// users x items, non-negative weights (see `EventWeights`).
    public var interactions: SparseMatrix
    /// Per item, recency-weighted activity (for trending); defaults to total weight.
    public var recentActivity: [Float]
    /// Per item, the words that describe it (title, category, tags), for content models.
    public var itemText: [[String]]
    /// The same events as ordered sequences, for sequence models, by the grouping each asks
    /// for (`RecommenderAlgorithm.sequenceGrouping`); absent when the caller did not build them
    /// (they cost a sort of every event, and most models never look).
    public var sequences: [SequenceGrouping: ItemSequences]

    public init(
        interactions: SparseMatrix, recentActivity: [Float]? = nil, itemText: [[String]]? = nil,
        sequences: [SequenceGrouping: ItemSequences] = [:]
    ) {
        self.interactions = interactions
        self.sequences = sequences
        self.recentActivity =
            recentActivity
            ?? {
                var activity = [Float](repeating: 0, count: interactions.columns)
                for (column, value) in zip(interactions.columnIndices, interactions.values) { activity[Int(column)] += value }
                return activity
            }()
        self.itemText = itemText ?? Array(repeating: [], count: interactions.columns)
    }

    public var users: Int { interactions.rows }
    public var items: Int { interactions.columns }
}

/// A fitted model. Like the `implicit` library's models: it scores items for a user and finds
/// similar items, on dense integer indices only.
public protocol RecommenderModel: Sendable {
    var itemCount: Int { get }

    /// Writes a score for every item into `scores` (count `itemCount`). `user` is the user's
    /// row at training time, or nil for someone the model has not seen (or whose recent events
    /// should count: models with user vectors then fold the history in).
    func score(user: Int?, history: SparseVector, into scores: inout [Float])

    /// The items most like `item`, best first, excluding the item itself.
    func similarItems(to item: Int, count: Int) -> [ScoredItem]
}

/// A learning algorithm with its hyper-parameters; `fit` is deterministic given the seed.
public protocol RecommenderAlgorithm: Sendable {
    /// A short identifier stored with model versions ("als", "item-knn-bm25", ...).
    var name: String { get }
    var hyperparameters: [String: Double] { get }
    /// The sequences `fit` reads from `TrainingSet.sequences`, if any, so that callers build
    /// them only then.
    var sequenceGrouping: SequenceGrouping? { get }
    func fit(_ data: TrainingSet) -> any RecommenderModel
}

extension RecommenderAlgorithm {
    public var sequenceGrouping: SequenceGrouping? { nil }
}

/// How events become sequences: each session (a visit), or each person's whole history.
public enum SequenceGrouping: String, Sendable, Hashable, CaseIterable {
    /// A session's events in time order; a person's events without a session split into
    /// visits where they were idle for half an hour.
    case sessions
    /// Everything a person did, in time order, as one sequence (an anonymous session is its
    /// own person).
    case people
}

extension RecommenderModel {
    /// The top `count` items for a user, leaving out `excluded` item indices.
    public func recommend(user: Int?, history: SparseVector, count: Int, excluding excluded: Set<Int32> = []) -> [ScoredItem] {
        var scores = [Float](repeating: 0, count: itemCount)
        score(user: user, history: history, into: &scores)
        for item in excluded where Int(item) < itemCount { scores[Int(item)] = -.infinity }
        return TopK.select(scores, k: count)
    }
}

extension Double {
    /// The Double a person would write for a Float hyper-parameter (0.1, not 0.10000000149).
    public init(decimal value: Float) {
        self = Double("\(value)") ?? Double(value)
    }
}
