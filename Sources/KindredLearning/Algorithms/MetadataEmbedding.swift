import Foundation

/// Vectors for items that behaviour has not placed yet, from their words (title, category,
/// tags): each word gets the mean direction of the placed items that carry it, and an
/// unplaced item the IDF-weighted sum of its words' directions. A product listed this morning
/// thereby lands among the products it is described like, in the same space as the rest, and
/// has neighbours from its first training on.
public enum MetadataEmbedding {
    /// Returns `vectors` with every zero row that has known words filled in, and which rows
    /// were filled. Filled rows are unit length; placed rows are left exactly as they were.
    ///
    /// A word's weight is its inverse document frequency over all items with words,
    /// log(1 + items / items with the word), so that words every product shares move little.
    public static func fill(_ vectors: [Float], dimensions: Int, itemText: [[String]]) -> (vectors: [Float], filled: [Bool]) {
        let items = itemText.count
        guard dimensions > 0, vectors.count == items * dimensions else { return (vectors, [Bool](repeating: false, count: items)) }
        var placed = [Bool](repeating: false, count: items)
        var unit = [Float](repeating: 0, count: vectors.count)
        for item in 0..<items {
            let row = vectors[(item * dimensions)..<((item + 1) * dimensions)]
            let norm = row.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { continue }
            placed[item] = true
            for d in 0..<dimensions { unit[item * dimensions + d] = vectors[item * dimensions + d] / norm }
        }
        var wordNumber: [String: Int] = [:]
        var documentFrequency: [Int] = []
        var placedCount: [Int] = []
        var wordSums: [Float] = []
        var itemsWithWords = 0
        for (item, words) in itemText.enumerated() {
            if !words.isEmpty { itemsWithWords += 1 }
            for word in Set(words) {
                let number =
                    wordNumber[word]
                    ?? {
                        wordNumber[word] = documentFrequency.count
                        documentFrequency.append(0)
                        placedCount.append(0)
                        wordSums += [Float](repeating: 0, count: dimensions)
                        return documentFrequency.count - 1
                    }()
                documentFrequency[number] += 1
                guard placed[item] else { continue }
                placedCount[number] += 1
                for d in 0..<dimensions { wordSums[number * dimensions + d] += unit[item * dimensions + d] }
            }
        }
        var result = vectors
        var filled = [Bool](repeating: false, count: items)
        for (item, words) in itemText.enumerated() where !placed[item] {
            var sum = [Float](repeating: 0, count: dimensions)
            for word in Set(words) {
                guard let number = wordNumber[word], placedCount[number] > 0 else { continue }
                let weight = Float(log(1 + Double(itemsWithWords) / Double(documentFrequency[number]))) / Float(placedCount[number])
                for d in 0..<dimensions { sum[d] += weight * wordSums[number * dimensions + d] }
            }
            let norm = sum.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { continue }
            filled[item] = true
            for d in 0..<dimensions { result[item * dimensions + d] = sum[d] / norm }
        }
        return (result, filled)
    }
}
