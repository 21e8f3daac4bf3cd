import Foundation

/// Bayesian personalized ranking (Rendle et al., 2009): learns factors (and an item bias) so
/// that each observed item ranks above a sampled unobserved one, by stochastic gradient
/// ascent on log sigmoid(x_ui - x_uj). Negatives are sampled uniformly, or in proportion to
/// popularity (harder negatives, which counters popularity bias). Single-threaded so that a
/// seed fixes the result exactly.
public struct BPRAlgorithm: RecommenderAlgorithm {
    public var factors: Int
    public var learningRate: Float
    public var regularization: Float
    public var epochs: Int
    public var popularitySampling: Bool
    public var seed: UInt64

    public init(
        factors: Int = 64, learningRate: Float = 0.05, regularization: Float = 0.01, epochs: Int = 30,
        popularitySampling: Bool = false, seed: UInt64 = 42
    ) {
        self.factors = factors
        self.learningRate = learningRate
        self.regularization = regularization
        self.epochs = epochs
        self.popularitySampling = popularitySampling
        self.seed = seed
    }

    public var name: String { "bpr" }
    public var hyperparameters: [String: Double] {
        [
            "factors": Double(factors), "learning_rate": Double(decimal: learningRate), "regularization": Double(decimal: regularization),
            "epochs": Double(epochs), "popularity_sampling": popularitySampling ? 1 : 0, "seed": Double(seed),
        ]
    }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        let matrix = data.interactions
        let f = factors
        var random = SeededGenerator(seed: seed)
        var x = (0..<(matrix.rows * f)).map { _ in Float(random.nextUnit() - 0.5) / Float(f) }
        var y = (0..<(matrix.columns * f)).map { _ in Float(random.nextUnit() - 0.5) / Float(f) }
        var bias = [Float](repeating: 0, count: matrix.columns)
        guard matrix.nonZeroCount > 0, matrix.columns > 1 else {
            return MatrixFactorizationModel(userFactors: x, itemFactors: y, itemBias: bias, factors: f, regularization: 0.1, alpha: 1)
        }
        var rowOfEntry = [Int32](repeating: 0, count: matrix.nonZeroCount)
        for row in 0..<matrix.rows { for k in matrix.rowStarts[row]..<matrix.rowStarts[row + 1] { rowOfEntry[k] = Int32(row) } }
        let negatives: AliasTable? =
            popularitySampling
            ? {
                var counts = [Double](repeating: 0, count: matrix.columns)
                for column in matrix.columnIndices { counts[Int(column)] += 1 }
                return AliasTable(weights: counts.map { $0 + 1 })
            }() : nil
        let lr = learningRate
        let reg = regularization
        x.withUnsafeMutableBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                let gradient = UnsafeMutablePointer<Float>.allocate(capacity: f)
                defer { gradient.deallocate() }
                for _ in 0..<epochs {
                    for _ in 0..<matrix.nonZeroCount {
                        let entry = random.nextInt(below: matrix.nonZeroCount)
                        let user = Int(rowOfEntry[entry])
                        let positive = Int(matrix.columnIndices[entry])
                        let row = matrix.row(user).columns
                        var negative = 0
                        var found = false
                        for _ in 0..<10 {
                            negative = negatives?.sample(using: &random) ?? random.nextInt(below: matrix.columns)
                            if !Self.contains(row, Int32(negative)) {
                                found = true
                                break
                            }
                        }
                        guard found else { continue }
                        let xu = xb.baseAddress! + user * f
                        let yi = yb.baseAddress! + positive * f
                        let yj = yb.baseAddress! + negative * f
                        let difference = VectorMath.dot(xu, yi, f) - VectorMath.dot(xu, yj, f) + bias[positive] - bias[negative]
                        let z = 1 / (1 + exp(difference))
                        for d in 0..<f { gradient[d] = yi[d] - yj[d] }
                        for d in 0..<f {
                            let u = xu[d]
                            xu[d] += lr * (z * gradient[d] - reg * u)
                            yi[d] += lr * (z * u - reg * yi[d])
                            yj[d] += lr * (-z * u - reg * yj[d])
                        }
                        bias[positive] += lr * (z - reg * bias[positive])
                        bias[negative] += lr * (-z - reg * bias[negative])
                    }
                }
            }
        }
        return MatrixFactorizationModel(userFactors: x, itemFactors: y, itemBias: bias, factors: f, regularization: 0.1, alpha: 1)
    }

    static func contains(_ sorted: ArraySlice<Int32>, _ value: Int32) -> Bool {
        var low = sorted.startIndex
        var high = sorted.endIndex
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low < sorted.endIndex && sorted[low] == value
    }
}
