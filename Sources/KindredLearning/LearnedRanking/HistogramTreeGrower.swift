/// Grows one regression tree leaf-wise, as LightGBM does: the leaf whose best split gains most
/// is split next, until the tree has its number of leaves or no split gains. Splits are found
/// on per-bin sums of gradients and hessians; a child's histogram is built by scanning the
/// smaller child and subtracting it from its parent for the larger.
struct HistogramTreeGrower {
    struct Limits {
        var leaves: Int
        var minDataInLeaf: Int
        var minSumHessianInLeaf: Double
        var l2: Double
        var learningRate: Double
    }

    struct Split {
        var feature: Int
        var bin: Int
        var gain: Double
        var leftGradient: Double
        var leftHessian: Double
        var leftCount: Int
    }

    struct Leaf {
        var begin: Int
        var end: Int
        var gradient: Double
        var hessian: Double
        /// Interleaved per bin: gradient sum, hessian sum, row count.
        var histogram: [Double]
        var best: Split?
        /// The internal node that points to this leaf, and on which side (nil for the root).
        var parent: (node: Int, isLeft: Bool)?
        var count: Int { end - begin }
    }

    let bins: [UInt8]
    let featureCount: Int
    let layout: FeatureBins
    let limits: Limits
    let workers: Int

    /// Grows a tree over `rows` (a permutation of the training rows that this call reorders so
    /// that each leaf's rows are contiguous) and returns it with each leaf's range in `rows`.
    func grow(gradients: [Double], hessians: [Double], rows: inout [Int32]) -> (tree: RegressionTree, ranges: [Range<Int>]) {
        var leaves: [Leaf] = []
        var root = Leaf(begin: 0, end: rows.count, gradient: 0, hessian: 0, histogram: [], best: nil, parent: nil)
        root.histogram = histogram(rows: rows[...], gradients: gradients, hessians: hessians)
        for row in rows {
            root.gradient += gradients[Int(row)]
            root.hessian += hessians[Int(row)]
        }
        root.best = bestSplit(of: root)
        leaves.append(root)
        var tree = RegressionTree(leafValue: [])
        var scratch = [Int32](repeating: 0, count: rows.count)

        while leaves.count < limits.leaves {
            // The leaf whose split gains most; on equal gains the split on the lower feature, then
            // the first leaf (LightGBM's order of `SplitInfo`).
            guard
                let chosen = leaves.indices.filter({ leaves[$0].best != nil }).max(by: {
                    let (a, b) = (leaves[$0].best!, leaves[$1].best!)
                    return a.gain != b.gain ? a.gain < b.gain : a.feature > b.feature
                })
            else { break }
            let split = leaves[chosen].best!
            let parent = leaves[chosen]
            let middle = partition(&rows, &scratch, parent.begin..<parent.end, feature: split.feature, bin: split.bin)

            let node = tree.splitFeature.count
            tree.splitFeature.append(split.feature)
            tree.threshold.append(layout.upperBounds[split.feature][split.bin])
            tree.leftChild.append(~chosen)
            tree.rightChild.append(~leaves.count)
            if let (parentNode, isLeft) = parent.parent {
                if isLeft { tree.leftChild[parentNode] = node } else { tree.rightChild[parentNode] = node }
            }

            var left = Leaf(
                begin: parent.begin, end: middle, gradient: split.leftGradient, hessian: split.leftHessian, histogram: [], best: nil,
                parent: (node, true))
            var right = Leaf(
                begin: middle, end: parent.end, gradient: parent.gradient - split.leftGradient, hessian: parent.hessian - split.leftHessian,
                histogram: [], best: nil, parent: (node, false))
            let leftIsSmaller = left.count <= right.count
            let smaller = leftIsSmaller ? left.begin..<left.end : right.begin..<right.end
            let scanned = histogram(rows: rows[smaller], gradients: gradients, hessians: hessians)
            var subtracted = parent.histogram
            for index in subtracted.indices { subtracted[index] -= scanned[index] }
            left.histogram = leftIsSmaller ? scanned : subtracted
            right.histogram = leftIsSmaller ? subtracted : scanned
            left.best = bestSplit(of: left)
            right.best = bestSplit(of: right)
            leaves[chosen] = left
            leaves.append(right)
        }
        tree.leafValue = leaves.map { -$0.gradient / ($0.hessian + limits.l2) * limits.learningRate }
        return (tree, leaves.map { $0.begin..<$0.end })
    }

    /// Moves the rows whose bin is at most `bin` to the front of `range`, keeping their order.
    private func partition(_ rows: inout [Int32], _ scratch: inout [Int32], _ range: Range<Int>, feature: Int, bin: Int) -> Int {
        var front = range.lowerBound
        var back = 0
        for position in range {
            let row = rows[position]
            if Int(bins[Int(row) * featureCount + feature]) <= bin {
                rows[front] = row
                front += 1
            } else {
                scratch[back] = row
                back += 1
            }
        }
        for offset in 0..<back { rows[front + offset] = scratch[offset] }
        return front
    }

    /// Gradient, hessian and count per bin of every feature over `rows`, split across workers
    /// when there are enough rows to be worth it.
    private func histogram(rows: ArraySlice<Int32>, gradients: [Double], hessians: [Double]) -> [Double] {
        let width = layout.totalBins * 3
        let chunks = rows.count >= 20_000 ? max(1, workers) : 1
        var partials = [Double](repeating: 0, count: width * chunks)
        let offsets = layout.offsets
        let featureCount = featureCount
        let total = rows.count
        partials.withUnsafeMutableBufferPointer { out in
            let shared = SharedPointer(out.baseAddress!)
            bins.withUnsafeBufferPointer { binBuffer in
                let binPointer = SharedPointer(UnsafeMutablePointer(mutating: binBuffer.baseAddress!))
                rows.withUnsafeBufferPointer { rowBuffer in
                    let rowPointer = SharedPointer(UnsafeMutablePointer(mutating: rowBuffer.baseAddress!))
                    gradients.withUnsafeBufferPointer { gradientBuffer in
                        let gradientPointer = SharedPointer(UnsafeMutablePointer(mutating: gradientBuffer.baseAddress!))
                        hessians.withUnsafeBufferPointer { hessianBuffer in
                            let hessianPointer = SharedPointer(UnsafeMutablePointer(mutating: hessianBuffer.baseAddress!))
                            Parallel.run(workers: chunks) { worker in
                                let base = shared.base + worker * width
                                let lower = total * worker / chunks
                                let upper = total * (worker + 1) / chunks
                                for position in lower..<upper {
                                    let row = Int(rowPointer[position])
                                    let gradient = gradientPointer[row]
                                    let hessian = hessianPointer[row]
                                    let rowBins = binPointer.base + row * featureCount
                                    for feature in 0..<featureCount {
                                        let cell = (offsets[feature] + Int(rowBins[feature])) * 3
                                        base[cell] += gradient
                                        base[cell + 1] += hessian
                                        base[cell + 2] += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard chunks > 1 else { return partials }
        var sum = [Double](partials[0..<width])
        for chunk in 1..<chunks {
            for index in 0..<width { sum[index] += partials[chunk * width + index] }
        }
        return sum
    }

    /// The split of `leaf` that gains most while leaving both sides enough rows and hessian.
    /// As in LightGBM, a side's rows are counted by its share of the leaf's hessian (a bin's
    /// count is its hessian times rows per unit of hessian, rounded): rows that no pair pulls on
    /// (no gradient, no hessian) do not make a side big enough. Each feature's bins are scanned
    /// from the top down, as LightGBM scans them, so that among thresholds of equal gain (a bin
    /// of rows without gradient leaves the gain as it was) the highest is chosen; among
    /// features, the first.
    private func bestSplit(of leaf: Leaf) -> Split? {
        guard leaf.count >= 2 * limits.minDataInLeaf else { return nil }
        let lambda = limits.l2
        let parentScore = leaf.gradient * leaf.gradient / (leaf.hessian + lambda)
        guard leaf.hessian > 0 else { return nil }
        let rowsPerHessian = Double(leaf.count) / leaf.hessian
        var best: Split?
        for feature in 0..<featureCount where layout.splittable[feature] {
            let first = layout.offsets[feature]
            let binCount = layout.offsets[feature + 1] - first
            var rightGradient = 0.0
            var rightHessian = 0.0
            var rightCount = 0
            for bin in stride(from: binCount - 1, to: 0, by: -1) {
                let cell = (first + bin) * 3
                rightGradient += leaf.histogram[cell]
                rightHessian += leaf.histogram[cell + 1]
                rightCount += Int((leaf.histogram[cell + 1] * rowsPerHessian + 0.5).rounded(.down))
                if rightCount < limits.minDataInLeaf || rightHessian < limits.minSumHessianInLeaf { continue }
                let leftCount = leaf.count - rightCount
                if leftCount < limits.minDataInLeaf { break }
                let leftGradient = leaf.gradient - rightGradient
                let leftHessian = leaf.hessian - rightHessian
                if leftHessian < limits.minSumHessianInLeaf { break }
                let gain =
                    leftGradient * leftGradient / (leftHessian + lambda) + rightGradient * rightGradient / (rightHessian + lambda)
                    - parentScore
                if gain > (best?.gain ?? 0) {
                    best = Split(
                        feature: feature, bin: bin - 1, gain: gain, leftGradient: leftGradient, leftHessian: leftHessian,
                        leftCount: leftCount)
                }
            }
        }
        return best
    }
}
