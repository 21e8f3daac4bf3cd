/// One regression tree of a boosted ensemble, stored as LightGBM dumps its trees: parallel
/// arrays of internal nodes, where a child below zero names leaf `~child`. A row goes left when
/// its feature is at most the node's threshold. A tree without internal nodes is one leaf.
public struct RegressionTree: Sendable, Codable, Equatable {
    public var splitFeature: [Int]
    public var threshold: [Float]
    public var leftChild: [Int]
    public var rightChild: [Int]
    /// What the tree adds to a row's score, learning rate included; in double precision, as
    /// LightGBM keeps it, because training adds it to every row's score round after round.
    public var leafValue: [Double]

    enum CodingKeys: String, CodingKey {
        case splitFeature = "split_feature", threshold, leftChild = "left_child", rightChild = "right_child"
        case leafValue = "leaf_value"
    }

    public init(splitFeature: [Int] = [], threshold: [Float] = [], leftChild: [Int] = [], rightChild: [Int] = [], leafValue: [Double]) {
        self.splitFeature = splitFeature
        self.threshold = threshold
        self.leftChild = leftChild
        self.rightChild = rightChild
        self.leafValue = leafValue
    }

    public var leafCount: Int { leafValue.count }

    /// The leaf a row falls in.
    @inline(__always)
    public func leaf(for row: UnsafeBufferPointer<Float>) -> Int {
        guard !splitFeature.isEmpty else { return 0 }
        var node = 0
        while true {
            let next = row[splitFeature[node]] <= threshold[node] ? leftChild[node] : rightChild[node]
            if next < 0 { return ~next }
            node = next
        }
    }

    @inline(__always)
    public func predict(_ row: UnsafeBufferPointer<Float>) -> Double { leafValue[leaf(for: row)] }

    /// Whether the arrays describe a tree over `featureCount` features: a stored model is read
    /// back through this before it serves.
    public func isWellFormed(featureCount: Int) -> Bool {
        let nodes = splitFeature.count
        guard threshold.count == nodes, leftChild.count == nodes, rightChild.count == nodes, leafValue.count == nodes + 1 else {
            return false
        }
        guard splitFeature.allSatisfy({ (0..<featureCount).contains($0) }), leafValue.allSatisfy(\.isFinite) else { return false }
        // Every node and leaf reached exactly once from the root, children after parents.
        var reached = [Bool](repeating: false, count: nodes)
        var leaves = [Bool](repeating: false, count: nodes + 1)
        for node in 0..<nodes {
            guard node == 0 || reached[node] else { return false }
            for child in [leftChild[node], rightChild[node]] {
                if child < 0 {
                    guard ~child <= nodes, !leaves[~child] else { return false }
                    leaves[~child] = true
                } else {
                    guard child > node, child < nodes, !reached[child] else { return false }
                    reached[child] = true
                }
            }
        }
        return nodes == 0 || leaves.allSatisfy { $0 }
    }
}
