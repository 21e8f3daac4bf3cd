/// What a linear bandit has learned, as the sufficient statistics of a ridge regression of
/// rewards on features: A = lambda I + sum x x^T over every displayed candidate, and
/// b = sum r x over the rewards that followed. Two separate updates keep it exact when an
/// outcome arrives long after its display: showing adds x x^T (a reward of 0 so far), and each
/// outcome adds r x, so that A and b are always the ridge statistics of the rewards known so far.
///
/// The regression shrinks towards a prior mean rather than towards zero: a fresh bandit trusts
/// the model's order (a weight on the position discount), so it ranks as the model does until
/// outcomes say otherwise. LinUCB and linear Thompson sampling read the same state.
public struct LinearBanditState: Sendable, Equatable {
    public let dimension: Int
    public let lambda: Double
    /// Row-major dimension x dimension.
    public private(set) var gram: [Double]
    public private(set) var rewards: [Double]
    public let priorMean: [Double]
    /// Displayed candidates and outcomes folded in.
    public private(set) var displays: Int
    public private(set) var outcomes: Int
    public private(set) var rewardTotal: Double

    /// A fresh state: A = lambda I, b = 0.
    public init(dimension: Int, lambda: Double, priorMean: [Double]) {
        precondition(dimension > 0 && lambda > 0 && priorMean.count == dimension, "a ridge needs a positive lambda and a prior per feature")
        self.dimension = dimension
        self.lambda = lambda
        self.priorMean = priorMean
        var gram = [Double](repeating: 0, count: dimension * dimension)
        for i in 0..<dimension { gram[i * dimension + i] = lambda }
        self.gram = gram
        rewards = [Double](repeating: 0, count: dimension)
        displays = 0
        outcomes = 0
        rewardTotal = 0
    }

    /// A state read back from storage; nil when the sizes do not fit.
    public init?(
        dimension: Int, lambda: Double, priorMean: [Double], gram: [Double], rewards: [Double], displays: Int, outcomes: Int,
        rewardTotal: Double
    ) {
        guard dimension > 0, lambda > 0, priorMean.count == dimension, gram.count == dimension * dimension, rewards.count == dimension
        else { return nil }
        self.dimension = dimension
        self.lambda = lambda
        self.priorMean = priorMean
        self.gram = gram
        self.rewards = rewards
        self.displays = displays
        self.outcomes = outcomes
        self.rewardTotal = rewardTotal
    }

    /// A candidate was displayed with features `x`: A += x x^T.
    public mutating func observeDisplay(_ x: [SparseFeature]) {
        for a in x {
            let row = a.index * dimension
            for b in x { gram[row + b.index] += a.value * b.value }
        }
        displays += 1
    }

    /// An outcome worth `reward` followed the display of `x`: b += reward x.
    public mutating func observeReward(_ reward: Double, for x: [SparseFeature]) {
        for a in x { rewards[a.index] += reward * a.value }
        outcomes += 1
        rewardTotal += reward
    }

    /// The posterior mean (A^-1 (b + lambda mu0)) and A^-1; nil only if A lost positive
    /// definiteness, which lambda > 0 rules out short of a corrupted state.
    public func estimate() -> LinearBanditEstimate? {
        guard let inverse = DenseSolve.choleskyInverse(gram, n: dimension) else { return nil }
        var rhs = rewards
        for i in 0..<dimension { rhs[i] += lambda * priorMean[i] }
        var mean = [Double](repeating: 0, count: dimension)
        for i in 0..<dimension {
            var sum = 0.0
            let row = i * dimension
            for j in 0..<dimension { sum += inverse[row + j] * rhs[j] }
            mean[i] = sum
        }
        return LinearBanditEstimate(dimension: dimension, mean: mean, inverseGram: inverse)
    }

    /// The prior a fresh bandit starts from: `weight` on the position discount, 0 elsewhere.
    public static func priorMean(dimension: Int, rankWeight: Double) -> [Double] {
        var prior = [Double](repeating: 0, count: dimension)
        prior[BanditFeatures.rankIndex] = rankWeight
        return prior
    }
}

/// A solved state: the expected reward of a feature vector and how unsure it is.
public struct LinearBanditEstimate: Sendable {
    public let dimension: Int
    public let mean: [Double]
    /// A^-1, row-major.
    public let inverseGram: [Double]

    /// mu^T x.
    public func expectedReward(_ x: [SparseFeature]) -> Double {
        var sum = 0.0
        for feature in x { sum += mean[feature.index] * feature.value }
        return sum
    }

    /// x^T A^-1 y: the posterior covariance of two candidates' rewards (before the noise scale).
    public func covariance(_ x: [SparseFeature], _ y: [SparseFeature]) -> Double {
        var sum = 0.0
        for a in x {
            let row = a.index * dimension
            for b in y { sum += a.value * inverseGram[row + b.index] * b.value }
        }
        return sum
    }

    /// sqrt(x^T A^-1 x): LinUCB's confidence width.
    public func width(_ x: [SparseFeature]) -> Double { max(0, covariance(x, x)).squareRoot() }
}
