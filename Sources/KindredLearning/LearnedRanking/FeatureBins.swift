/// Each feature's values cut into at most 255 bins, so that a tree finds its splits by scanning
/// per-bin sums (a histogram) instead of sorting rows: the idea of LightGBM and of XGBoost's
/// `hist` method. Bins follow the data (one per distinct value where there are few and each is
/// common enough, equal counts where there are many), and each bin's upper bound is the midpoint
/// to the next value, which is the threshold a split on that bin stores.
public struct FeatureBins: Sendable, Equatable {
    /// Per feature, the ascending upper bounds of its bins; the last is +infinity.
    public let upperBounds: [[Float]]
    /// Where each feature's bins start in a histogram that lays all features end to end.
    public let offsets: [Int]
    public var totalBins: Int { offsets.last ?? 0 }
    /// Per feature, whether some threshold leaves enough rows on both sides for a leaf: one that
    /// cannot is never split on (LightGBM's `feature_pre_filter`). Without a leaf minimum, all.
    public let splittable: [Bool]

    public init(upperBounds: [[Float]], splittable: [Bool]? = nil) {
        self.upperBounds = upperBounds
        var offsets = [0]
        for bounds in upperBounds { offsets.append(offsets.last! + bounds.count) }
        self.offsets = offsets
        self.splittable = splittable ?? Array(repeating: true, count: upperBounds.count)
    }

    /// Bins learned from at most `sampleRows` rows spread evenly over the dataset; a feature
    /// whose bins cannot put `minDataInLeaf` sampled rows on both sides of any threshold is
    /// marked unsplittable.
    public static func fit(
        _ data: RankingDataset, maxBins: Int = 255, minDataInBin: Int = 3, minDataInLeaf: Int = 0, sampleRows: Int = 200_000
    ) -> FeatureBins {
        let bins = min(255, max(2, maxBins))
        let stride = max(1, data.rowCount / max(1, sampleRows))
        var bounds: [[Float]] = []
        var splittable: [Bool] = []
        bounds.reserveCapacity(data.featureCount)
        for feature in 0..<data.featureCount {
            var values: [Float] = []
            values.reserveCapacity(data.rowCount / stride + 1)
            var row = 0
            while row < data.rowCount {
                values.append(data.value(row: row, feature: feature))
                row += stride
            }
            values.sort()
            let featureBounds = upperBounds(sorted: values, maxBins: bins, minDataInBin: minDataInBin)
            bounds.append(featureBounds)
            splittable.append(Self.splittable(sorted: values, bounds: featureBounds, minDataInLeaf: minDataInLeaf))
        }
        return FeatureBins(upperBounds: bounds, splittable: splittable)
    }

    /// Whether some bin boundary has at least `minDataInLeaf` of the sorted values on each side.
    static func splittable(sorted values: [Float], bounds: [Float], minDataInLeaf: Int) -> Bool {
        var below = 0
        for bound in bounds.dropLast() {
            while below < values.count, values[below] <= bound { below += 1 }
            if below >= minDataInLeaf, values.count - below >= minDataInLeaf { return true }
        }
        return false
    }

    /// Values this close to zero are zero, as LightGBM's `kZeroThreshold` has it.
    static let zeroThreshold = 1e-35

    /// LightGBM's bin boundaries: zero gets a bin of its own, negative and positive values share
    /// the other bins in proportion to their counts, and each side is cut greedily between
    /// distinct values so that every bin holds at least `minDataInBin` rows, a value frequent
    /// enough to fill a bin gets one alone, and the rest fall into bins of about equal counts.
    /// Following its rules (not only its idea) keeps the trees comparable with LightGBM's.
    static func upperBounds(sorted values: [Float], maxBins: Int, minDataInBin: Int = 3) -> [Float] {
        var distinct: [Double] = []
        var counts: [Int] = []
        for value in values {
            if let last = distinct.last, last == Double(value) {
                counts[counts.count - 1] += 1
            } else {
                distinct.append(Double(value))
                counts.append(1)
            }
        }
        guard distinct.count > 1 else { return [.infinity] }
        let negatives = distinct.firstIndex { $0 > -zeroThreshold } ?? distinct.count
        let positives = distinct.firstIndex { $0 > zeroThreshold } ?? distinct.count
        let negativeRows = counts[..<negatives].reduce(0, +)
        let positiveRows = counts[positives...].reduce(0, +)
        let zeroRows = values.count - negativeRows - positiveRows
        var bounds: [Double] = []
        if negatives > 0, maxBins > 1 {
            let share = Int(Double(negativeRows) / Double(max(1, values.count - zeroRows)) * Double(maxBins - 1))
            bounds = greedy(Array(distinct[..<negatives]), Array(counts[..<negatives]), maxBins: max(1, share), minDataInBin: minDataInBin)
            bounds[bounds.count - 1] = -zeroThreshold
        }
        let left = maxBins - 1 - bounds.count
        if positives < distinct.count, left > 0 {
            let right = greedy(Array(distinct[positives...]), Array(counts[positives...]), maxBins: left, minDataInBin: minDataInBin)
            bounds.append(zeroThreshold)
            bounds += right
        } else {
            bounds.append(.infinity)
        }
        return bounds.map { Float($0) }
    }

    /// One side's bins (`GreedyFindBin`): upper bounds ending with +infinity.
    private static func greedy(_ distinct: [Double], _ counts: [Int], maxBins: Int, minDataInBin: Int) -> [Double] {
        var bounds: [Double] = []
        func push(_ low: Double, _ high: Double) {
            let middle = low / 2 + high / 2
            // A midpoint that rounds onto the upper value would put it in the lower bin.
            let bound = Float(middle) >= Float(high) ? low : middle
            if bounds.last.map({ Float($0) != Float(bound) }) ?? true { bounds.append(bound) }
        }
        let total = counts.reduce(0, +)
        if distinct.count <= maxBins {
            var inBin = 0
            for index in 0..<(distinct.count - 1) {
                inBin += counts[index]
                if inBin >= minDataInBin {
                    let before = bounds.count
                    push(distinct[index], distinct[index + 1])
                    if bounds.count > before { inBin = 0 }
                }
            }
            bounds.append(.infinity)
            return bounds
        }
        var bins = maxBins
        if minDataInBin > 0 { bins = max(1, min(bins, total / minDataInBin)) }
        var meanBinSize = Double(total) / Double(bins)
        var restBins = bins
        var restRows = total
        let big = counts.map { Double($0) >= meanBinSize }
        for index in counts.indices where big[index] {
            restBins -= 1
            restRows -= counts[index]
        }
        meanBinSize = Double(restRows) / Double(max(1, restBins))
        var upper: [Double] = []
        var lower: [Double] = [distinct[0]]
        var inBin = 0
        for index in 0..<(distinct.count - 1) {
            if !big[index] { restRows -= counts[index] }
            inBin += counts[index]
            if big[index] || Double(inBin) >= meanBinSize || (big[index + 1] && Double(inBin) >= max(1, meanBinSize * 0.5)) {
                upper.append(distinct[index])
                lower.append(distinct[index + 1])
                if upper.count >= bins - 1 { break }
                inBin = 0
                if !big[index] {
                    restBins -= 1
                    meanBinSize = Double(restRows) / Double(max(1, restBins))
                }
            }
        }
        for index in upper.indices { push(upper[index], lower[index + 1]) }
        bounds.append(.infinity)
        return bounds
    }

    /// The bin of `value`: the first whose upper bound is at least the value.
    @inline(__always)
    public func bin(_ value: Float, feature: Int) -> Int {
        let bounds = upperBounds[feature]
        var low = 0
        var high = bounds.count - 1
        while low < high {
            let middle = (low + high) / 2
            if value <= bounds[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Every row's bins, row-major like the dataset: one byte per feature.
    public func binned(_ data: RankingDataset) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: data.rowCount * data.featureCount)
        for row in 0..<data.rowCount {
            for feature in 0..<data.featureCount {
                result[row * data.featureCount + feature] = UInt8(bin(data.value(row: row, feature: feature), feature: feature))
            }
        }
        return result
    }
}
