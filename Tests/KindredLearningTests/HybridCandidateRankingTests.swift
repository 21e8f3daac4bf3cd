import Foundation
import Testing

@testable import KindredLearning

/// The hybrid served from candidates (the int8 pool, content neighbours, the most popular)
/// must give exactly the ranking of scoring every item, with and without business rules.
@Suite struct HybridCandidateRankingTests {
    /// A random hybrid over `items` items: random factors, random content neighbours, a
    /// power-law popularity.
    static func randomHybrid(items: Int, seed: UInt64) -> HybridModel {
        var random = SeededGenerator(seed: seed)
        let factors = 16
        let itemFactors = (0..<(items * factors)).map { _ in Float(random.nextGaussian()) * 0.3 }
        let userFactors = (0..<(50 * factors)).map { _ in Float(random.nextGaussian()) * 0.3 }
        let mf = MatrixFactorizationModel(userFactors: userFactors, itemFactors: itemFactors, factors: factors, regularization: 0.1, alpha: 1)
        let neighbours = (0..<items).map { item -> [ScoredItem] in
            var list = (0..<10).map { _ in ScoredItem(item: random.nextInt(below: items), score: Float(random.nextUnit())) }
            list = list.filter { $0.item != item }
            var seen = Set<Int>()
            list = list.filter { seen.insert($0.item).inserted }
            return list.sorted { $0.score > $1.score }
        }
        let popularity = (0..<items).map { _ in Float(Int(1000 * pow(random.nextUnit(), 6))) }  // many ties at 0
        return HybridModel(collaborative: mf, content: ItemKNNModel(neighbours: neighbours), popularity: popularity, contentShrink: 5)
    }

    static func exactTop(_ model: HybridModel, user: Int?, history: SparseVector, count: Int, keep: (Int) -> Bool) -> [ScoredItem] {
        var scores = [Float](repeating: 0, count: model.itemCount)
        model.score(user: user, history: history, into: &scores)
        return TopK.select(scores, k: count, where: keep)
    }

    static func history(_ random: inout SeededGenerator, items: Int, length: Int) -> SparseVector {
        var chosen = Set<Int32>()
        while chosen.count < length { chosen.insert(Int32(random.nextInt(below: items))) }
        let indices = chosen.sorted()
        return SparseVector(indices: indices, values: indices.map { _ in Float(1 + random.nextInt(below: 8)) })
    }

    @Test(arguments: [300, 5_000])
    func candidatesGiveExactlyTheFullRanking(items: Int) {
        let model = Self.randomHybrid(items: items, seed: 3)
        var random = SeededGenerator(seed: 9)
        let rules: [(String, (Int) -> Bool)] = [
            ("everything", { _ in true }), ("even items", { $0 % 2 == 0 }), ("one item in 50", { $0 % 50 == 7 }),
        ]
        for trial in 0..<60 {
            let length = [0, 1, 3, 20][trial % 4]
            let history = Self.history(&random, items: items, length: length)
            let user: Int? = trial % 3 == 0 ? trial % 50 : nil
            for (name, keep) in rules {
                for count in [1, 10, 60] {
                    let exact = Self.exactTop(model, user: user, history: history, count: count, keep: keep)
                    let served = model.top(user: user, history: history, count: count, keep: keep)
                    #expect(served == exact, "trial \(trial), \(name), k=\(count), history \(length)")
                }
            }
        }
    }

    @Test func aTypicalQueryScoresOnlyItsCandidates() {
        // The fallback is for strict filters; a plain query must not take it, or the hybrid
        // would scan every item per request as it used to.
        let model = Self.randomHybrid(items: 20_000, seed: 5)
        var random = SeededGenerator(seed: 2)
        var fullScans = 0
        for trial in 0..<100 {
            let history = Self.history(&random, items: 20_000, length: 1 + trial % 10)
            if model.rankCandidates(user: nil, history: history, count: 10, keep: { _ in true }).scoredEveryItem { fullScans += 1 }
        }
        #expect(fullScans <= 5, "\(fullScans) of 100 plain queries scored every item")
    }

    @Test func theCollaborativeScaleBoundsEveryScore() {
        let model = Self.randomHybrid(items: 2_000, seed: 8)
        let vector = model.collaborative.userVector(3)
        var scores = [Float](repeating: 0, count: 2_000)
        model.collaborative.score(vector: vector, into: &scores)
        let scale = model.collaborativeScale(vector)
        #expect(scores.allSatisfy { abs($0) <= scale * 1.0001 })
    }
}

/// All-pairs neighbour search keeps K per item and nothing more.
@Suite struct NeighbourSearchMemoryTests {
    @Test func neighbourListsHoldNoMoreThanK() {
        // Every item shares the term "common" and one of 3 colours: thousands of candidate
        // pairs per item. The lists must not keep the candidates' storage.
        let items = 3_000
        let texts = (0..<items).map { ["common", "colour\($0 % 3)", "word\($0 % 97)"] }
        let model = ContentAlgorithm(neighbours: 20, maxDocumentShare: 1, threads: 2).fitNeighbours(
            TrainingSet(interactions: SparseMatrix(rows: 0, columns: items, entries: []), itemText: texts))
        #expect(model.neighbours.allSatisfy { $0.count == 20 })
        let largest = model.neighbours.map(\.capacity).max() ?? 0
        #expect(largest <= 40, "a neighbour list of 20 holds room for \(largest)")
    }

    @Test func theSearchIsExactOnAHandComputedCase() {
        // Unit vectors a = (1, 0), b = (0.6, 0.8), c = (0, 1): a.b = 0.6, b.c = 0.8, a.c = 0.
        let vectors = SparseMatrix(rows: 3, columns: 2, entries: [(0, 0, 1), (1, 0, 0.6), (1, 1, 0.8), (2, 1, 1)])
        let lists = NeighbourSearch.allPairs(
            itemsByUser: vectors.transposed(), userItems: vectors, k: 5, threads: 2)
        #expect(lists[0].map(\.item) == [1])
        #expect(lists[1].map(\.item) == [2, 0])
        #expect(abs(lists[1][0].score - 0.8) < 1e-6 && abs(lists[1][1].score - 0.6) < 1e-6)
        #expect(lists[2].map(\.item) == [1])
    }
}

/// The pruned content search returns exactly what the exhaustive one does.
@Suite struct CosineNeighbourSearchTests {
    /// Catalogs shaped like real ones: a few very common terms (categories), middling ones
    /// (colours, kinds), rare ones (words), short and long descriptions, exact duplicates.
    static func catalog(items: Int, seed: UInt64) -> [[String]] {
        var random = SeededGenerator(seed: seed)
        return (0..<items).map { _ in
            var text = ["category:c\(random.next() % 4)", "colour\(random.next() % 12)"]
            for _ in 0..<Int(1 + random.next() % 4) { text.append("word\(random.next() % 3_000)") }
            if random.next() % 3 == 0 { text.append("kind\(random.next() % 30)") }
            return text
        }
    }

    @Test(arguments: [(1_500, UInt64(1)), (4_000, UInt64(2)), (800, UInt64(3))])
    func prunedEqualsExhaustive(items: Int, seed: UInt64) {
        let texts = Self.catalog(items: items, seed: seed)
        for share in [0.2, 1.0] {
            let vectors = ContentAlgorithm.tfidf(texts, maxDocumentShare: share)
            let byTerm = vectors.transposed()
            for k in [1, 10, 50] {
                let exhaustive = NeighbourSearch.allPairs(itemsByUser: byTerm, userItems: vectors, k: k, threads: 2)
                let pruned = CosineNeighbourSearch.topK(vectors: vectors, k: k, threads: 2)
                #expect(pruned == exhaustive, "items \(items), share \(share), k \(k)")
            }
        }
    }

    /// A catalog where rare words decide the neighbours and every item also carries two very
    /// common terms: the search must stop before walking those, and still be exact. Every
    /// third item is a duplicate of another, so groups of identical vectors are exercised too.
    @Test func commonTermsAreNotWalkedAndTheListsStayExact() {
        let texts = (0..<3_000).map { index -> [String] in
            let item = index % 3 == 2 ? index - 1 : index
            return ["category:c\(item % 3)", "colour\(item % 2)", "word\(item % 300)", "model\(item % 600)"]
        }
        let vectors = ContentAlgorithm.tfidf(texts, maxDocumentShare: 1)
        let byTerm = vectors.transposed()
        let everyPosting = (0..<byTerm.rows).reduce(0) { sum, term in
            let length = byTerm.rowStarts[term + 1] - byTerm.rowStarts[term]
            return sum + length * length
        }
        for k in [1, 3, 10] {
            let exhaustive = NeighbourSearch.allPairs(itemsByUser: byTerm, userItems: vectors, k: k, threads: 2)
            let (pruned, walked) = CosineNeighbourSearch.search(vectors: vectors, k: k, threads: 2)
            #expect(pruned == exhaustive, "k \(k)")
            #expect(walked < everyPosting / 10, "k \(k): walked \(walked) of \(everyPosting)")
        }
    }

    @Test func itemsWithFewerThanKNeighboursKeepAllTheyHave() {
        let texts = [["a", "b"], ["a"], ["c"], ["b", "c"], ["d"]]
        let vectors = ContentAlgorithm.tfidf(texts, maxDocumentShare: 1)
        let pruned = CosineNeighbourSearch.topK(vectors: vectors, k: 10, threads: 1)
        #expect(pruned[0].map(\.item).sorted() == [1, 3])
        #expect(pruned[4].isEmpty)
    }
}

/// One training run computes content neighbours once, however many fits it makes.
@Suite struct ContentMemoTests {
    @Test func fitsOfOneRunShareTheirContentNeighbours() {
        let texts = (0..<40).map { ["colour\($0 % 4)", "shape\($0 % 5)"] }
        let early = TrainingSet(interactions: SparseMatrix(rows: 3, columns: 40, entries: [(0, 1, 1), (1, 2, 1)]), itemText: texts)
        let later = TrainingSet(
            interactions: SparseMatrix(rows: 4, columns: 40, entries: [(0, 1, 1), (1, 2, 1), (3, 5, 2)]), itemText: texts)
        let memo = ContentMemo()
        let algorithm = HybridAlgorithm(
            collaborative: ALSAlgorithm(factors: 2, iterations: 2, seed: 1), content: ContentAlgorithm(maxDocumentShare: 1, memo: memo))
        let first = algorithm.fit(early) as! HybridModel
        let second = algorithm.fit(later) as! HybridModel
        #expect(memo.computations == 1)
        #expect(first.content.neighbours == second.content.neighbours)
        // The same neighbours as without a memo; other texts are computed anew.
        #expect(ContentAlgorithm(maxDocumentShare: 1).fitNeighbours(later).neighbours == second.content.neighbours)
        var renamed = texts
        renamed[0] = ["colour9"]
        _ = ContentAlgorithm(maxDocumentShare: 1, memo: memo).fitNeighbours(
            TrainingSet(interactions: later.interactions, itemText: renamed))
        #expect(memo.computations == 2)
    }
}
