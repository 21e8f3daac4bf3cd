import Foundation

/// Content similarity: TF-IDF vectors over the words that describe each item (see
/// `ContentTokenizer`), cosine similarity between items, the K nearest kept per item. It
/// needs no interactions at all, so it can place a brand-new product, and it scores a user by
/// what resembles what they liked.
public struct ContentAlgorithm: RecommenderAlgorithm {
    public var neighbours: Int
    /// Terms in more than this share of items describe nothing and are skipped when searching
    /// neighbours (they also cost the most).
    public var maxDocumentShare: Double
    public var threads: Int
    /// Neighbours already computed in this training run, if any (see `ContentMemo`).
    public var memo: ContentMemo?

    public init(neighbours: Int = 50, maxDocumentShare: Double = 0.2, threads: Int = 2, memo: ContentMemo? = nil) {
        self.neighbours = neighbours
        self.maxDocumentShare = maxDocumentShare
        self.threads = threads
        self.memo = memo
    }

    public var name: String { "content" }
    public var hyperparameters: [String: Double] { ["neighbours": Double(neighbours)] }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        fitNeighbours(data)
    }

    public func fitNeighbours(_ data: TrainingSet) -> ItemKNNModel {
        guard let memo else { return computeNeighbours(data) }
        return memo.neighbours(itemText: data.itemText, neighbours: neighbours, maxDocumentShare: maxDocumentShare) {
            computeNeighbours(data)
        }
    }

    private func computeNeighbours(_ data: TrainingSet) -> ItemKNNModel {
        let vectors = Self.tfidf(data.itemText, maxDocumentShare: maxDocumentShare)  // items x terms, unit rows
        return ItemKNNModel(neighbours: CosineNeighbourSearch.topK(vectors: vectors, k: neighbours, threads: threads))
    }

    /// Unit-length TF-IDF rows: weight (1 + ln tf) * ln(N / df); too-common terms dropped.
    static func tfidf(_ texts: [[String]], maxDocumentShare: Double) -> SparseMatrix {
        var vocabulary: [String: Int32] = [:]
        var documentFrequency: [Int] = []
        var counted: [[(Int32, Int)]] = []
        for text in texts {
            var counts: [Int32: Int] = [:]
            for token in text {
                let id: Int32
                if let known = vocabulary[token] {
                    id = known
                } else {
                    id = Int32(vocabulary.count)
                    vocabulary[token] = id
                    documentFrequency.append(0)
                }
                counts[id, default: 0] += 1
            }
            for id in counts.keys { documentFrequency[Int(id)] += 1 }
            counted.append(counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        }
        let n = Double(max(texts.count, 1))
        let limit = max(2, Int(maxDocumentShare * n))
        var entries: [(row: Int32, column: Int32, value: Float)] = []
        for (item, counts) in counted.enumerated() {
            var row: [(Int32, Float)] = []
            for (term, count) in counts where documentFrequency[Int(term)] <= limit {
                let weight = (1 + log(Double(count))) * log(n / Double(documentFrequency[Int(term)]))
                if weight > 0 { row.append((term, Float(weight))) }
            }
            let norm = row.reduce(Float(0)) { $0 + $1.1 * $1.1 }.squareRoot()
            for (term, weight) in row { entries.append((Int32(item), term, weight / norm)) }
        }
        return SparseMatrix(rows: texts.count, columns: vocabulary.count, entries: entries)
    }
}
