/// Who a ranking is for, as the model sees them: their training row when it is current, and
/// their history (weights per item) for fold-in and for sources that start from what they did.
public struct RankingQuery: Sendable {
    public var user: Int?
    public var history: SparseVector
    /// When and on what the list is asked for: what a learned ranker's context features read.
    public var context: RankingContext

    public init(user: Int?, history: SparseVector, context: RankingContext = .unknown) {
        self.user = user
        self.history = history
        self.context = context
    }
}

/// An item on its way through the pipeline, with the source that proposed it: the
/// explanation stage words its reason from that, and later stages may treat sources apart.
public struct RankedItem: Sendable, Equatable {
    public var item: Int
    public var score: Float
    public var source: String

    public init(item: Int, score: Float, source: String) {
        self.item = item
        self.score = score
        self.source = source
    }
}

/// The retrieval stage: proposes at most `count` items, best first, that `keep` allows
/// (the filter stage, pushed down so that a source can skip what no list may show without
/// scoring it in full).
public protocol CandidateSource: Sendable {
    /// Names the source in each item's `source` ("model", "popular", ...).
    var name: String { get }
    func candidates(for query: RankingQuery, count: Int, keep: (Int) -> Bool) -> [ScoredItem]
}

/// The re-ranking stage: reorders (and may drop from) the candidates to give the best
/// `count`; the input is best first by score, and so must the output be by the stage's goal.
public protocol Reranker: Sendable {
    var name: String { get }
    /// How many candidates, as a multiple of the list's length, the stage needs to choose
    /// from: retrieval gathers the most any stage of the pipeline asks for.
    var poolFactor: Int { get }
    /// How many candidates the stage needs for a list of `count`; by default `poolFactor` times
    /// the count. A learned ranker asks for a fixed number whatever the list's length.
    func poolSize(for count: Int) -> Int
    func rerank(_ candidates: [RankedItem], count: Int) -> [RankedItem]
    /// The same, for stages that read who the list is for (a learned ranker's person features).
    func rerank(_ candidates: [RankedItem], count: Int, for query: RankingQuery) -> [RankedItem]
}

extension Reranker {
    public var poolFactor: Int { 3 }
    public func poolSize(for count: Int) -> Int { max(count * poolFactor, count + 20) }
    public func rerank(_ candidates: [RankedItem], count: Int, for query: RankingQuery) -> [RankedItem] {
        rerank(candidates, count: count)
    }
}
