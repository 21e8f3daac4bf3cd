/// What a test needs to know about one variant's people: how many, the mean of the metric per
/// person, and its per-person variance. Every kind of metric (a mean, a proportion, a ratio by
/// the delta method, a CUPED-adjusted mean) reduces to this, so one test serves them all.
public struct ArmSummary: Sendable, Equatable, Codable {
    public var people: Double
    public var mean: Double
    public var variance: Double
    /// The mean before any adjustment (CUPED moves `mean`); relative effects divide by this.
    public var unadjustedMean: Double

    public init(people: Double, mean: Double, variance: Double, unadjustedMean: Double? = nil) {
        self.people = people
        self.mean = mean
        self.variance = variance
        self.unadjustedMean = unadjustedMean ?? mean
    }

    /// From a mean and a sample standard deviation, as another tool's report gives them.
    public static func mean(people: Double, mean: Double, standardDeviation: Double) -> ArmSummary {
        ArmSummary(people: people, mean: mean, variance: standardDeviation * standardDeviation)
    }

    /// A conversion rate: the Bernoulli variance p(1 - p) of the people who converted.
    public static func proportion(people: Double, conversions: Double) -> ArmSummary {
        let p = people > 0 ? conversions / people : 0
        return ArmSummary(people: people, mean: p, variance: p * (1 - p))
    }

    /// The variance of the arm's mean (the square of its standard error).
    var varianceOfMean: Double { variance / people }
}

/// Running sums of one metric over people, the form in which rollups and simulations keep it.
public struct Moments: Sendable, Equatable, Codable {
    public var count: Double = 0
    public var sum: Double = 0
    public var sumOfSquares: Double = 0

    public init() {}

    public init(count: Double, sum: Double, sumOfSquares: Double) {
        self.count = count
        self.sum = sum
        self.sumOfSquares = sumOfSquares
    }

    public mutating func add(_ value: Double) {
        count += 1
        sum += value
        sumOfSquares += value * value
    }

    public var mean: Double { count > 0 ? sum / count : 0 }

    /// The sample variance (n - 1 in the denominator).
    public var variance: Double {
        count > 1 ? max(0, (sumOfSquares - sum * sum / count) / (count - 1)) : 0
    }

    public var arm: ArmSummary { ArmSummary(people: count, mean: mean, variance: variance) }
}

/// Running sums of two metrics over the same people (a ratio's numerator and denominator, or a
/// metric and its pre-exposure value for CUPED): each one's moments and their cross product.
public struct PairedMoments: Sendable, Equatable, Codable {
    public var x = Moments()
    public var y = Moments()
    public var sumOfProducts: Double = 0

    public init() {}

    public init(x: Moments, y: Moments, sumOfProducts: Double) {
        self.x = x
        self.y = y
        self.sumOfProducts = sumOfProducts
    }

    public mutating func add(x xValue: Double, y yValue: Double) {
        x.add(xValue)
        y.add(yValue)
        sumOfProducts += xValue * yValue
    }

    public var count: Double { x.count }

    /// The sample covariance of x and y.
    public var covariance: Double {
        count > 1 ? (sumOfProducts - x.sum * y.sum / count) / (count - 1) : 0
    }

    public static func + (lhs: PairedMoments, rhs: PairedMoments) -> PairedMoments {
        PairedMoments(
            x: Moments(count: lhs.x.count + rhs.x.count, sum: lhs.x.sum + rhs.x.sum, sumOfSquares: lhs.x.sumOfSquares + rhs.x.sumOfSquares),
            y: Moments(count: lhs.y.count + rhs.y.count, sum: lhs.y.sum + rhs.y.sum, sumOfSquares: lhs.y.sumOfSquares + rhs.y.sumOfSquares),
            sumOfProducts: lhs.sumOfProducts + rhs.sumOfProducts)
    }
}
