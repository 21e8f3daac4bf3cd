import Foundation

/// A mixture of Gaussians with diagonal covariances fitted by expectation-maximization, as
/// scikit-learn's `GaussianMixture(covariance_type="diag")` fits it: responsibilities started
/// from a k-means run, `reg_covar` added to every variance, iterations until the mean
/// log-likelihood per point changes by less than `tolerance`, the best of `restarts` runs.
/// Unlike k-means, a person belongs to each segment with a probability, and clusters may differ
/// in spread; BIC says how many clusters the data supports.
public struct GaussianMixture: Sendable, Equatable {
    public var k: Int
    public var restarts = 1
    public var maxIterations = 100
    public var tolerance = 1e-3
    public var regularization = 1e-6
    public var seed: UInt64 = 1

    public init(k: Int, restarts: Int = 1, maxIterations: Int = 100, tolerance: Double = 1e-3, regularization: Double = 1e-6, seed: UInt64 = 1) {
        self.k = k
        self.restarts = restarts
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.regularization = regularization
        self.seed = seed
    }

    public struct Result: Sendable, Equatable {
        public var weights: [Double]
        public var means: PointMatrix
        public var variances: PointMatrix
        /// The most probable component of each point.
        public var labels: [Int]
        /// Total log-likelihood of the points under the fitted mixture.
        public var logLikelihood: Double
        /// Bayesian information criterion, -2 log L + parameters x ln n: lower is better.
        public var bic: Double
        public var iterations: Int
        public var converged: Bool
    }

    public func fit(_ points: PointMatrix) -> Result {
        precondition(k >= 1 && k <= points.rows, "1 <= k <= the number of points")
        var best: Result?
        var random = SeededGenerator(seed: seed)
        for _ in 0..<restarts {
            let start = KMeans(k: k, restarts: 1, seed: random.next()).fit(points)
            let result = run(points, initialLabels: start.labels)
            if best == nil || result.logLikelihood > best!.logLikelihood { best = result }
        }
        return best!
    }

    /// Free parameters: k x d means, k x d variances and k - 1 weights.
    public func parameterCount(columns: Int) -> Int { 2 * k * columns + k - 1 }

    func run(_ points: PointMatrix, initialLabels: [Int]) -> Result {
        let n = points.rows
        var responsibilities = [Double](repeating: 0, count: n * k)
        for (row, label) in initialLabels.enumerated() { responsibilities[row * k + label] = 1 }
        var (weights, means, variances) = maximize(points, responsibilities)
        var previous = -Double.infinity
        var converged = false
        var iterations = 0
        for iteration in 1...maxIterations {
            iterations = iteration
            let mean = expect(points, weights, means, variances, into: &responsibilities) / Double(n)
            (weights, means, variances) = maximize(points, responsibilities)
            if abs(mean - previous) < tolerance {
                converged = true
                break
            }
            previous = mean
        }
        let total = expect(points, weights, means, variances, into: &responsibilities)
        let labels = (0..<n).map { row in (0..<k).max { responsibilities[row * k + $0] < responsibilities[row * k + $1] }! }
        let d = points.columns
        return Result(
            weights: weights, means: PointMatrix(rows: k, columns: d, values: means),
            variances: PointMatrix(rows: k, columns: d, values: variances), labels: labels, logLikelihood: total,
            bic: -2 * total + Double(parameterCount(columns: d)) * log(Double(n)), iterations: iterations, converged: converged)
    }

    /// Fills each point's responsibilities and returns the total log-likelihood.
    func expect(_ points: PointMatrix, _ weights: [Double], _ means: [Double], _ variances: [Double], into responsibilities: inout [Double]) -> Double {
        let d = points.columns
        let constants = (0..<k).map { c -> Double in
            var logDeterminant = 0.0
            for column in 0..<d { logDeterminant += log(variances[c * d + column]) }
            return log(weights[c]) - 0.5 * (Double(d) * log(2 * Double.pi) + logDeterminant)
        }
        var total = 0.0
        var logs = [Double](repeating: 0, count: k)
        for row in 0..<points.rows {
            for c in 0..<k {
                var quadratic = 0.0
                for column in 0..<d {
                    let delta = points[row, column] - means[c * d + column]
                    quadratic += delta * delta / variances[c * d + column]
                }
                logs[c] = constants[c] - 0.5 * quadratic
            }
            let top = logs.max()!
            let normalizer = top + log(logs.reduce(0) { $0 + exp($1 - top) })
            total += normalizer
            for c in 0..<k { responsibilities[row * k + c] = exp(logs[c] - normalizer) }
        }
        return total
    }

    /// Weights, means and variances from responsibilities.
    func maximize(_ points: PointMatrix, _ responsibilities: [Double]) -> (weights: [Double], means: [Double], variances: [Double]) {
        let n = points.rows, d = points.columns
        var totals = [Double](repeating: 0, count: k)
        var means = [Double](repeating: 0, count: k * d)
        for row in 0..<n {
            for c in 0..<k {
                let r = responsibilities[row * k + c]
                guard r > 0 else { continue }
                totals[c] += r
                for column in 0..<d { means[c * d + column] += r * points[row, column] }
            }
        }
        // scikit-learn adds 10 x machine epsilon to every component's total, so that an empty
        // component divides by something.
        for c in 0..<k { totals[c] += 10 * Double.ulpOfOne }
        for c in 0..<k { for column in 0..<d { means[c * d + column] /= totals[c] } }
        var variances = [Double](repeating: 0, count: k * d)
        for row in 0..<n {
            for c in 0..<k {
                let r = responsibilities[row * k + c]
                guard r > 0 else { continue }
                for column in 0..<d {
                    let delta = points[row, column] - means[c * d + column]
                    variances[c * d + column] += r * delta * delta
                }
            }
        }
        for c in 0..<k { for column in 0..<d { variances[c * d + column] = variances[c * d + column] / totals[c] + regularization } }
        return (totals.map { $0 / Double(n) }, means, variances)
    }
}
