/// Walker's alias method: draws index i with probability weights[i] / sum(weights) in O(1)
/// after O(n) set-up. Used wherever Kindred samples by popularity (synthetic shops,
/// popularity-proportional negative sampling).
public struct AliasTable: Sendable {
    private let probability: [Double]
    private let alias: [Int]

    public var count: Int { probability.count }

    /// Weights must be non-negative with a positive sum.
    public init(weights: [Double]) {
        precondition(!weights.isEmpty, "an alias table needs at least one weight")
        let total = weights.reduce(0, +)
        precondition(total > 0 && weights.allSatisfy { $0 >= 0 }, "weights must be non-negative with a positive sum")
        let n = weights.count
        var scaled = weights.map { $0 * Double(n) / total }
        var probability = [Double](repeating: 1, count: n)
        var alias = Array(0..<n)
        var small: [Int] = []
        var large: [Int] = []
        for (index, value) in scaled.enumerated() {
            if value < 1 { small.append(index) } else { large.append(index) }
        }
        while let s = small.popLast(), let l = large.last {
            probability[s] = scaled[s]
            alias[s] = l
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        // Whatever remains has probability one (up to rounding).
        self.probability = probability
        self.alias = alias
    }

    public func sample(using generator: inout SeededGenerator) -> Int {
        let column = generator.nextInt(below: probability.count)
        return generator.nextUnit() < probability[column] ? column : alias[column]
    }
}
