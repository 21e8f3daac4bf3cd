import Foundation
import Testing

@testable import KindredLearning

/// item2vec's parts on hand-worked cases, and the whole against gensim on a fixed corpus.
@Suite struct Item2VecTests {
    // MARK: sequences

    @Test func eventsGroupIntoSessionsInTimeOrderAndVisitsSplitAtIdleGaps() {
        // Events 0-2: session 7 (given out of time order); 3-6: person 1 without a session,
        // with an idle hour between 4 and 5; 7: person 2 alone; 8: a repeat that collapses.
        let users: [Int32] = [0, 0, 0, 1, 1, 1, 1, 2, 1]
        let items: [Int32] = [10, 11, 12, 20, 21, 22, 23, 30, 23]
        let minute: Int64 = 60_000
        let times: [Int64] = [3 * minute, 1 * minute, 2 * minute, 0, 10 * minute, 80 * minute, 81 * minute, 5, 82 * minute]
        let sessions: [Int32] = [7, 7, 7, 0, 0, 0, 0, 0, 0]
        let grouped = ItemSequences.grouping(
            indices: Array(0..<9), users: users, items: items, times: times, sessions: sessions, idleGapMs: 30 * minute)
        #expect(grouped.count == 4)
        #expect((0..<grouped.count).map { Array(grouped[$0]) } == [[11, 12, 10], [20, 21], [22, 23], [30]])
        #expect(grouped.tokenCount == 8)
    }

    @Test func equalTimesKeepTheOrderGivenAsABasketsLinesDo() {
        let grouped = ItemSequences.grouping(
            indices: [2, 0, 1], users: [5, 5, 5], items: [1, 2, 3], times: [9, 9, 9], sessions: [4, 4, 4])
        #expect(Array(grouped[0]) == [1, 2, 3])
    }

    @Test func onlyTheGivenIndicesAreGroupedAndEmptySequencesAreNotKept() {
        let grouped = ItemSequences.grouping(indices: [], users: [1], items: [1], times: [1], sessions: [0])
        #expect(grouped.count == 0)
        var sequences = ItemSequences([[1, 1, 2, 2, 1], []])
        #expect(sequences.count == 1)
        #expect(Array(sequences[0]) == [1, 2, 1])
        sequences.append([Int32]())
        #expect(sequences.counts(itemCount: 3) == [0, 2, 1])
    }

    // MARK: the trainer's parts

    @Test func subsamplingKeepsFrequentItemsWithWord2VecsProbability() {
        // Counts 90, 9, 1 of 100 at t = 0.01: threshold 1; keep = (sqrt(c) + 1) / c, at most 1.
        let keep = SkipGram.keepProbabilities(counts: [90, 9, 1, 0], kept: [true, true, true, false], subsampling: 0.01)
        #expect(abs(keep[0] - (90.0.squareRoot() + 1) / 90) < 1e-12)
        #expect(abs(keep[1] - (3.0 + 1) / 9) < 1e-12)
        #expect(keep[2] == 1)
        #expect(keep[3] == 0)
        #expect(SkipGram.keepProbabilities(counts: [90, 9], kept: [true, true], subsampling: 0) == [1, 1])
    }

    @Test(arguments: [0.0, 1.0, -1.0])
    func negativesAreDrawnInProportionToCountToTheExponent(exponent: Double) {
        let counts = [1, 0, 4, 16]
        let table = NegativeTable(counts: counts, kept: [true, true, true, true], exponent: exponent)
        var random = SeededGenerator(seed: 9)
        var drawn = [Int](repeating: 0, count: 4)
        let draws = 200_000
        for _ in 0..<draws { drawn[Int(table.draw(&random))] += 1 }
        let weights = counts.map { $0 > 0 ? pow(Double($0), exponent) : 0 }
        let total = weights.reduce(0, +)
        #expect(drawn[1] == 0, "an item that never occurs is never a negative")
        for item in [0, 2, 3] {
            let expected = weights[item] / total
            #expect(abs(Double(drawn[item]) / Double(draws) - expected) < 0.005, "item \(item): \(drawn[item]) vs share \(expected)")
        }
    }

    @Test func onePositivePairMovesBothVectorsAsWorkedByHand() {
        // Input (context) vector x = (0.1, 0.2), output (target) vector t = (0.3, -0.1), rate 0.5,
        // no negatives: score = 0.03 - 0.02 = 0.01, g = (1 - sigmoid(0.01)) 0.5 (sigmoid from
        // its table);
        // t += g x, then x += g t (with t as it was before its update).
        let input = UnsafeMutablePointer<Float>.allocate(capacity: 2)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 2)
        defer {
            input.deallocate()
            output.deallocate()
        }
        input.initialize(from: [0.1, 0.2], count: 2)
        output.initialize(from: [0.3, -0.1], count: 2)
        var trainer = PairTrainer(
            input: input, output: output, dimensions: 2, negatives: 0, table: NegativeTable(counts: [1], kept: [true], exponent: 1))
        defer { trainer.deallocate() }
        var random = SeededGenerator(seed: 1)
        trainer.train(target: 0, context: 0, rate: 0.5, random: &random)
        // The logistic function as training reads it, from its table.
        let sigmoid = SigmoidTable.values.withUnsafeBufferPointer { SigmoidTable.lookup($0.baseAddress!, 0.01) }
        #expect(abs(Double(sigmoid) - 1 / (1 + exp(-0.01))) < 0.001)
        let g = Double((1 - sigmoid) * 0.5)
        #expect(abs(Double(output[0]) - (0.3 + g * 0.1)) < 1e-6)
        #expect(abs(Double(output[1]) - (-0.1 + g * 0.2)) < 1e-6)
        #expect(abs(Double(input[0]) - (0.1 + g * 0.3)) < 1e-6)
        #expect(abs(Double(input[1]) - (0.2 + g * -0.1)) < 1e-6)
    }

    @Test func theTabulatedLogisticFunctionIsWithinItsBucketsWidthOfTheExactOne() {
        let table = SigmoidTable.values
        for x in stride(from: -5.99, through: 5.99, by: 0.01) {
            let tabulated = table.withUnsafeBufferPointer { SigmoidTable.lookup($0.baseAddress!, Float(x)) }
            // The logistic function's slope is at most 1/4; a bucket is 12/2048 wide.
            #expect(abs(Double(tabulated) - 1 / (1 + exp(-x))) <= 0.25 * 12 / 2048 / 2 + 1e-7, "at \(x)")
        }
        #expect(table.first! < 0.0025 && table.last! > 0.9975)
    }

    @Test func threadsGetContiguousShardsOfAboutEqualSize() {
        let corpus = ItemSequences((0..<10).map { s in (0..<Int32(s % 3 + 2)).map { $0 + Int32(s) * 10 } })
        let shards = SkipGram.shards(corpus, count: 3)
        #expect(shards.count == 3)
        #expect(shards.first?.lowerBound == 0 && shards.last?.upperBound == 10)
        #expect(zip(shards, shards.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        let sizes = shards.map { range in range.reduce(0) { $0 + corpus[$1].count } }
        #expect(sizes.max()! - sizes.min()! <= 4, "\(sizes)")
    }

    @Test func oneThreadReproducesItsVectorsExactly() {
        var p = SkipGramParameters()
        p.dimensions = 8
        p.epochs = 3
        let corpus = ItemSequences([[0, 1, 2, 3], [3, 2, 1], [4, 5, 4, 5]])
        let a = SkipGram.train(corpus, vocabulary: 7, parameters: p, threads: 1, seed: 5)
        let b = SkipGram.train(corpus, vocabulary: 7, parameters: p, threads: 1, seed: 5)
        let c = SkipGram.train(corpus, vocabulary: 7, parameters: p, threads: 1, seed: 6)
        #expect(a == b)
        #expect(a != c)
        #expect(a[(6 * 8)..<(7 * 8)].allSatisfy { $0 == 0 }, "an item in no sequence keeps a zero row")
    }

    // MARK: metadata embeddings

    @Test func anItemWithoutBehaviourTakesTheIDFWeightedDirectionsOfItsWords() {
        // Item 0 at (2, 0), item 1 at (0, 3): directions (1, 0) and (0, 1). Item 2 has no
        // vector and the words a and x: of the placed items a is item 0's alone, so its
        // direction is (1, 0); x is on items 0 and 1, so (0.5, 0.5). Of the 4 items with words,
        // a is on 2 (idf log 3) and x on 3 (idf log 7/3), so item 2 points along
        // log 3 (1, 0) + log(7/3) (0.5, 0.5). Item 3's word is on no placed item: it stays zero.
        let vectors: [Float] = [2, 0, 0, 3, 0, 0, 0, 0]
        let text = [["a", "x"], ["b", "x"], ["a", "x"], ["z"]]
        let (filled, which) = MetadataEmbedding.fill(vectors, dimensions: 2, itemText: text)
        #expect(which == [false, false, true, false])
        #expect(Array(filled[0..<4]) == [2, 0, 0, 3], "placed items keep their vectors")
        let x = log(3.0) + log(7.0 / 3) / 2
        let y = log(7.0 / 3) / 2
        let norm = (x * x + y * y).squareRoot()
        #expect(abs(Double(filled[4]) - x / norm) < 1e-6 && abs(Double(filled[5]) - y / norm) < 1e-6)
        #expect(filled[6] == 0 && filled[7] == 0)
    }

    @Test func aRareWordOutweighsACommonOne() {
        // Word r is on 1 of 4 items (idf log 5), c on 4 of 4 (idf log 2): the new item 3 leans
        // toward item 0, whose only shared word is the rare one.
        let vectors: [Float] = [1, 0, 0, 1, 0, 1, 0, 0]
        let text = [["c"], ["c"], ["c"], ["r", "c"]]
        let withR = [["r", "c"], ["c"], ["c"], ["r", "c"]]
        let (_, none) = MetadataEmbedding.fill(vectors, dimensions: 2, itemText: text)
        #expect(none == [false, false, false, true])
        let (filled, _) = MetadataEmbedding.fill(vectors, dimensions: 2, itemText: withR)
        // r: idf log(1 + 4/2) on direction (1, 0); c: idf log(1 + 4/4) on (1/3, 2/3).
        let x = Float(log(3.0)) + Float(log(2.0)) / 3
        let y = Float(log(2.0)) * 2 / 3
        let n = (x * x + y * y).squareRoot()
        #expect(abs(filled[6] - x / n) < 1e-6 && abs(filled[7] - y / n) < 1e-6)
    }

    // MARK: the model

    @Test func aPersonIsTheWeightedMeanDirectionOfTheirHistory() {
        let model = Item2VecModel(vectors: [3, 0, 0, 2, 1, 1], dimensions: 2)
        let query = model.queryVector(history: SparseVector(indices: [0, 1], values: [1, 3]))
        #expect(abs(query[0] - 0.25) < 1e-6 && abs(query[1] - 0.75) < 1e-6)
        var scores = [Float](repeating: 0, count: 3)
        model.score(user: nil, history: SparseVector(indices: [0, 1], values: [1, 3]), into: &scores)
        // Item 2's direction is (1, 1)/sqrt 2: 0.25/sqrt 2 + 0.75/sqrt 2.
        #expect(abs(scores[2] - 1 / Float(2).squareRoot()) < 1e-6)
        #expect(model.top(user: nil, history: SparseVector(), count: 2, keep: { _ in true }).isEmpty)
        let top = model.top(user: nil, history: SparseVector(indices: [0], values: [1]), count: 2) { $0 != 0 }
        #expect(top.map(\.item) == [2, 1])
    }

    @Test func sessionsOfTwoTopicsGiveNeighboursFromTheSameTopicAndANewItemItsWordsNeighbours() {
        var random = SeededGenerator(seed: 3)
        var sequences: [[Int32]] = []
        for s in 0..<400 {
            let topic = Int32(s % 2) * 5
            sequences.append((0..<6).map { _ in topic + Int32(random.nextInt(below: 5)) })
        }
        // Item 10 is new: no sessions, but described like the first topic.
        let text = (0..<11).map { item in item == 10 || item < 5 ? ["kitchen"] : ["garden"] }
        var p = SkipGramParameters()
        p.dimensions = 8
        p.window = 3
        p.subsampling = 0
        let interactions = SparseMatrix(rows: 1, columns: 11, entries: [(0, 0, 1)])
        let data = TrainingSet(interactions: interactions, itemText: text, sequences: [.sessions: ItemSequences(sequences)])
        let model = Item2VecAlgorithm(parameters: p, threads: 2, seed: 4).fit(data)
        for item in 0..<10 {
            // The new item belongs with the first topic too.
            let topic = item < 5 ? Set([0, 1, 2, 3, 4, 10]) : Set(5..<10)
            let similar = model.similarItems(to: item, count: 4).map(\.item)
            #expect(similar.allSatisfy { topic.contains($0) }, "item \(item): \(similar)")
        }
        let newcomer = model.similarItems(to: 10, count: 5).map(\.item)
        #expect(Set(newcomer) == Set(0..<5), "the new item's neighbours: \(newcomer)")
    }

    // MARK: next-item evaluation

    @Test func nextItemHitRateAndMRRAsCountedByHand() {
        // Neighbours: 0 -> [1, 2], 1 -> [2, 0], 2 -> []. Steps: 0->1 (rank 1), 1->0 (rank 2),
        // 0->3 (miss), 2->0 (miss), 3->1 (skipped: 3 unknown). HR = 2/4, MRR = (1 + 1/2)/4.
        let model = ItemKNNModel(neighbours: [
            [ScoredItem(item: 1, score: 0.9), ScoredItem(item: 2, score: 0.5)],
            [ScoredItem(item: 2, score: 0.8), ScoredItem(item: 0, score: 0.7)], [], [],
        ])
        let steps = NextItemEvaluation.steps(of: ItemSequences([[0, 1, 0, 3, 1], [2, 0]]))
        #expect(steps.map { [$0.from, $0.to] } == [[0, 1], [1, 0], [0, 3], [3, 1], [2, 0]])
        let metrics = NextItemEvaluation.evaluate(model, steps: steps, k: 2, known: { $0 != 3 }, threads: 2)
        #expect(metrics == NextItemMetrics(k: 2, pairs: 4, skippedPairs: 1, hitRate: 0.5, mrr: 0.375))
    }

    // MARK: against gensim

    nonisolated(unsafe) static let reference: [String: Any] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Reference/item2vec_reference.json")
        return try! JSONSerialization.jsonObject(with: try! Data(contentsOf: url)) as! [String: Any]
    }()

    static func sequences(_ key: String) -> ItemSequences {
        ItemSequences((reference[key] as! [[NSNumber]]).map { $0.map { Int32($0.intValue) } })
    }

    /// scripts/reference/item2vec_reference.py trained gensim's Word2Vec five times on the same
    /// sessions with the same hyper-parameters; Kindred's mean over five seeds must be within
    /// 2% of gensim's mean hit rate, or better.
    @Test func nextItemHitRateIsWithinTwoPercentOfGensimsOnTheSameSessions() {
        let parameters = Self.reference["parameters"] as! [String: NSNumber]
        var p = SkipGramParameters()
        p.dimensions = parameters["vector_size"]!.intValue
        p.window = parameters["window"]!.intValue
        p.negatives = parameters["negative"]!.intValue
        p.negativeExponent = parameters["ns_exponent"]!.doubleValue
        p.subsampling = parameters["sample"]!.doubleValue
        p.epochs = parameters["epochs"]!.intValue
        p.learningRate = parameters["alpha"]!.floatValue
        p.minLearningRate = parameters["min_alpha"]!.floatValue
        let items = (Self.reference["items"] as! NSNumber).intValue
        let k = (Self.reference["k"] as! NSNumber).intValue
        let train = Self.sequences("train")
        let steps = NextItemEvaluation.steps(of: Self.sequences("test"))
        let counts = train.counts(itemCount: items)
        let data = TrainingSet(
            interactions: SparseMatrix(rows: 0, columns: items, entries: []), itemText: Array(repeating: [], count: items), sequences: [.sessions: train])
        var hitRates: [Double] = []
        for seed in 1...5 as ClosedRange<UInt64> {
            let model = Item2VecAlgorithm(parameters: p, threads: 1, seed: seed).fit(data)
            let metrics = NextItemEvaluation.evaluate(model, steps: steps, k: k, known: { counts[$0] > 0 })
            #expect(metrics.pairs == ((Self.reference["gensim"] as! [String: Any])["runs"] as! [[String: Any]])[0]["pairs"] as! Int)
            hitRates.append(metrics.hitRate)
        }
        let ours = hitRates.reduce(0, +) / Double(hitRates.count)
        let theirs = ((Self.reference["gensim"] as! [String: Any])["mean_hit_rate"] as! NSNumber).doubleValue
        print("item2vec against gensim on the reference sessions: Kindred HR@\(k) \(ours) \(hitRates), gensim \(theirs)")
        #expect(ours >= theirs * 0.98, "Kindred's mean HR@\(k) \(ours) (\(hitRates)) vs gensim's \(theirs)")
    }
}
