import Foundation

/// Hyper-parameters of skip-gram with negative sampling, named as word2vec and gensim name
/// them so that a run here and a run there can be set alike.
public struct SkipGramParameters: Sendable, Equatable {
    /// Length of each vector (gensim's `vector_size`).
    public var dimensions = 64
    /// How far on each side of an item its context reaches; each position draws a reduced
    /// window uniformly from 1...window, as word2vec does, so near items count more.
    public var window = 5
    /// Negative samples per positive pair.
    public var negatives = 5
    /// Negatives are drawn in proportion to count^exponent (gensim's `ns_exponent`). 0.75 is
    /// word2vec's choice for language; for recommendations Caselles-Dupré et al. (RecSys 2018)
    /// found other values, even negative ones, far better on some data, so it is tuned.
    public var negativeExponent = 0.75
    /// Frequent items are dropped at random with word2vec's rule: an item whose share of all
    /// occurrences is f is kept with probability (sqrt(f / t) + 1) t / f (gensim's `sample`);
    /// 0 keeps everything.
    public var subsampling = 1e-3
    public var epochs = 10
    /// The learning rate falls linearly from `learningRate` to `minLearningRate` over training
    /// (gensim's `alpha` and `min_alpha`).
    public var learningRate: Float = 0.025
    public var minLearningRate: Float = 0.0001
    /// Items seen fewer times than this get no vector of their own (gensim's `min_count`).
    public var minCount = 1

    public init() {}
}

/// Skip-gram with negative sampling (Mikolov et al., 2013) over sequences of items: item2vec
/// (Barkan and Koenigstein, 2016). Each item is trained to predict the items around it in a
/// sequence against randomly drawn ones, so items that appear in the same contexts end up with
/// similar vectors.
///
/// With `threads > 1` the sequences are split between threads that update the shared vectors
/// without locks (Hogwild, as word2vec and gensim train): every random draw follows from the
/// seed, but how two threads' updates interleave is the scheduler's, so such runs agree in
/// quality, not to the bit. One thread reproduces its result exactly.
public enum SkipGram {
    /// The largest |score| the logistic function is evaluated at; beyond it the gradient is
    /// taken as saturated, as word2vec's table does.
    static let maxExponent: Float = 6

    /// Returns the input vectors, `vocabulary` rows of `parameters.dimensions` floats
    /// (row-major); an item that does not occur at least `minCount` times keeps a zero row.
    public static func train(
        _ sequences: ItemSequences, vocabulary: Int, parameters p: SkipGramParameters, threads: Int = 2, seed: UInt64 = 42
    ) -> [Float] {
        let dimensions = p.dimensions
        let counts = sequences.counts(itemCount: vocabulary)
        let kept = counts.map { $0 >= max(p.minCount, 1) }
        // The training corpus: sequences without the items below min_count (as gensim drops
        // out-of-vocabulary words before windowing).
        let corpus = {
            var corpus = ItemSequences()
            for s in 0..<sequences.count { corpus.append(sequences[s].filter { kept[Int($0)] }) }
            return corpus
        }()
        var input = [Float](repeating: 0, count: vocabulary * dimensions)
        guard corpus.tokenCount > 1, dimensions > 0 else { return input }

        var initial = SeededGenerator(seed: seed)
        for item in 0..<vocabulary where kept[item] {
            for d in 0..<dimensions { input[item * dimensions + d] = Float(initial.nextUnit() - 0.5) / Float(dimensions) }
        }
        var output = [Float](repeating: 0, count: vocabulary * dimensions)
        let keepProbability = Self.keepProbabilities(counts: counts, kept: kept, subsampling: p.subsampling)
        let negatives = NegativeTable(counts: counts, kept: kept, exponent: p.negativeExponent)
        let shards = Self.shards(corpus, count: max(1, min(threads, corpus.count)))

        input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                let shared = (input: SharedPointer(inputBuffer.baseAddress!), output: SharedPointer(outputBuffer.baseAddress!))
                Parallel.run(workers: shards.count) { worker in
                    var random = SeededGenerator(seed: seed &+ 0x9E37_79B9 &* UInt64(worker + 1))
                    var trainer = PairTrainer(
                        input: shared.input.base, output: shared.output.base, dimensions: dimensions, negatives: p.negatives,
                        table: negatives)
                    let shard = shards[worker]
                    let shardTokens = max(1, (shard.lowerBound..<shard.upperBound).reduce(0) { $0 + corpus[$1].count })
                    let totalSteps = Double(shardTokens * max(p.epochs, 1))
                    var done = 0
                    var sentence: [Int32] = []
                    for _ in 0..<max(p.epochs, 0) {
                        for s in shard {
                            let progress = Double(done) / totalSteps
                            let rate = max(p.minLearningRate, p.learningRate - (p.learningRate - p.minLearningRate) * Float(progress))
                            let items = corpus[s]
                            done += items.count
                            sentence.removeAll(keepingCapacity: true)
                            for item in items where keepProbability[Int(item)] >= 1 || random.nextUnit() < keepProbability[Int(item)] {
                                sentence.append(item)
                            }
                            guard sentence.count > 1 else { continue }
                            for center in 0..<sentence.count {
                                let reach = 1 + random.nextInt(below: max(p.window, 1))
                                let from = max(0, center - reach)
                                let to = min(sentence.count - 1, center + reach)
                                for context in from...to where context != center {
                                    trainer.train(target: sentence[center], context: sentence[context], rate: rate, random: &random)
                                }
                            }
                        }
                    }
                    trainer.deallocate()
                }
            }
        }
        return input
    }

    /// Word2vec's subsampling: the probability of keeping each occurrence of each item.
    static func keepProbabilities(counts: [Int], kept: [Bool], subsampling: Double) -> [Double] {
        let total = Double(zip(counts, kept).reduce(0) { $0 + ($1.1 ? $1.0 : 0) })
        guard subsampling > 0, total > 0 else { return [Double](repeating: 1, count: counts.count) }
        let threshold = subsampling * total
        return zip(counts, kept).map { count, kept in
            guard kept, count > 0 else { return 0 }
            let c = Double(count)
            return min(1, ((c / threshold).squareRoot() + 1) * threshold / c)
        }
    }

    /// Contiguous runs of sequences with about the same number of items each.
    static func shards(_ corpus: ItemSequences, count: Int) -> [Range<Int>] {
        let perShard = (corpus.tokenCount + count - 1) / count
        var ranges: [Range<Int>] = []
        var start = 0
        var tokens = 0
        for s in 0..<corpus.count {
            tokens += corpus[s].count
            if tokens >= perShard * (ranges.count + 1), ranges.count < count - 1 {
                ranges.append(start..<(s + 1))
                start = s + 1
            }
        }
        ranges.append(start..<corpus.count)
        return ranges.filter { !$0.isEmpty }
    }
}

/// Draws negatives in proportion to count^exponent in constant time (an alias table over the
/// items that occur).
struct NegativeTable: Sendable {
    let items: [Int32]
    let alias: AliasTable

    init(counts: [Int], kept: [Bool], exponent: Double) {
        var items: [Int32] = []
        var weights: [Double] = []
        for (item, count) in counts.enumerated() where kept[item] && count > 0 {
            items.append(Int32(item))
            weights.append(pow(Double(count), exponent))
        }
        self.items = items
        alias = AliasTable(weights: weights.isEmpty ? [1] : weights)
    }

    @inline(__always)
    func draw(_ random: inout SeededGenerator) -> Int32 {
        items[alias.sample(using: &random)]
    }
}

/// The logistic function tabulated over [-maxExponent, maxExponent], as word2vec and gensim
/// evaluate it: one table read instead of an exp per sample, the commonest operation of
/// training.
enum SigmoidTable {
    static let size = 2048
    static let values: [Float] = (0..<size).map { index in
        // Each entry holds the value at the middle of its bucket.
        let x = (Double(index) + 0.5) / Double(size) * 2 * Double(SkipGram.maxExponent) - Double(SkipGram.maxExponent)
        return Float(1 / (1 + exp(-x)))
    }

    /// The tabulated value for a score inside (-maxExponent, maxExponent).
    @inline(__always)
    static func lookup(_ table: UnsafePointer<Float>, _ score: Float) -> Float {
        let position = Int((score + SkipGram.maxExponent) * (Float(size) / (2 * SkipGram.maxExponent)))
        return table[min(max(position, 0), size - 1)]
    }
}

/// One thread's update of a (target, context) pair against `negatives` random items: the
/// context's input vector is moved toward the target's output vector and away from the
/// negatives', and those output vectors toward (or away from) it.
struct PairTrainer {
    let input: UnsafeMutablePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let dimensions: Int
    let negatives: Int
    let table: NegativeTable
    /// The context vector's accumulated change, applied after all its targets.
    let change: UnsafeMutablePointer<Float>
    /// This thread's copy of `SigmoidTable.values`.
    let sigmoid: UnsafeMutablePointer<Float>

    init(input: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, dimensions: Int, negatives: Int, table: NegativeTable) {
        self.input = input
        self.output = output
        self.dimensions = dimensions
        self.negatives = negatives
        self.table = table
        change = .allocate(capacity: dimensions)
        sigmoid = .allocate(capacity: SigmoidTable.size)
        sigmoid.initialize(from: SigmoidTable.values, count: SigmoidTable.size)
    }

    func deallocate() {
        change.deallocate()
        sigmoid.deallocate()
    }

    @inline(__always)
    mutating func train(target: Int32, context: Int32, rate: Float, random: inout SeededGenerator) {
        let contextRow = input + Int(context) * dimensions
        change.update(repeating: 0, count: dimensions)
        for sample in 0...negatives {
            let item: Int32
            let label: Float
            if sample == 0 {
                item = target
                label = 1
            } else {
                item = table.draw(&random)
                if item == target { continue }
                label = 0
            }
            let outputRow = output + Int(item) * dimensions
            let score = VectorMath.dot(contextRow, outputRow, dimensions)
            let gradient: Float
            if score > SkipGram.maxExponent {
                gradient = (label - 1) * rate
            } else if score < -SkipGram.maxExponent {
                gradient = label * rate
            } else {
                gradient = (label - SigmoidTable.lookup(sigmoid, score)) * rate
            }
            VectorMath.axpy(gradient, outputRow, change, dimensions)
            VectorMath.axpy(gradient, contextRow, outputRow, dimensions)
        }
        VectorMath.axpy(1, change, contextRow, dimensions)
    }
}
