import Foundation

/// Rows of a design matrix stored sparsely: most features of a logged round are one-hot (which
/// item, which slot, which value of each context field), so a row has a handful of non-zeros
/// among a hundred or more columns.
public struct SparseRows: Sendable {
    public private(set) var rowStarts: [Int] = [0]
    public private(set) var columns: [Int32] = []
    public private(set) var values: [Double] = []
    public let columnCount: Int

    public init(columnCount: Int) {
        self.columnCount = columnCount
    }

    public var count: Int { rowStarts.count - 1 }

    public mutating func append(columns newColumns: [Int], values newValues: [Double]) {
        precondition(newColumns.count == newValues.count, "one value per column")
        for column in newColumns {
            precondition(column >= 0 && column < columnCount, "column \(column) outside 0..<\(columnCount)")
            columns.append(Int32(column))
        }
        values.append(contentsOf: newValues)
        rowStarts.append(columns.count)
    }

    /// The dot product of row `row` with `weights`.
    @inline(__always)
    public func dot(row: Int, _ weights: [Double]) -> Double {
        var sum = 0.0
        for k in rowStarts[row]..<rowStarts[row + 1] { sum += values[k] * weights[Int(columns[k])] }
        return sum
    }
}

/// Binary logistic regression with an L2 penalty on every weight but the intercept (column 0),
/// fitted by Newton's method with a backtracking line search. The objective is the one
/// scikit-learn's `LogisticRegression(C=1/l2)` minimizes, so the two agree to the solver's
/// tolerance (the reference test holds them to it). Newton needs a dense Hessian, which is
/// right for the few hundred columns of a reward model and wrong for more: callers keep the
/// design small (`maximumColumns`).
public struct LogisticRegression: Sendable, Equatable {
    public var weights: [Double]
    /// Newton steps taken until the largest step fell under the tolerance.
    public var iterations: Int

    public static let maximumColumns = 2_000

    public init(weights: [Double], iterations: Int = 0) {
        self.weights = weights
        self.iterations = iterations
    }

    /// The probability of a positive label for row `row` of `design`.
    public func probability(row: Int, of design: SparseRows) -> Double {
        Self.logistic(design.dot(row: row, weights))
    }

    /// The probability of a positive label for one sparse row given by its columns and values.
    public func probability(columns: [Int], values: [Double]) -> Double {
        var z = 0.0
        for (column, value) in zip(columns, values) { z += weights[column] * value }
        return Self.logistic(z)
    }

    @inline(__always)
    static func logistic(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// Fits on the rows listed in `rows` (all rows when nil). `labels` holds one 0/1 label per
    /// row of `design`; `l2` is the penalty's strength (scikit-learn's 1/C).
    public static func fit(
        _ design: SparseRows, labels: [Double], rows: [Int]? = nil, l2: Double = 1,
        maxIterations: Int = 100, tolerance: Double = 1e-10
    ) -> LogisticRegression {
        precondition(labels.count == design.count, "one label per row")
        precondition(l2 > 0, "the penalty keeps the Newton system positive definite")
        precondition(design.columnCount <= maximumColumns, "\(design.columnCount) columns is too many for a dense Newton fit")
        let n = design.columnCount
        let rows = rows ?? Array(0..<design.count)
        var weights = [Double](repeating: 0, count: n)
        var objective = Self.objective(weights, design, labels, rows, l2)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            var gradient = [Double](repeating: 0, count: n)
            var hessian = [Double](repeating: 0, count: n * n)
            for row in rows {
                let p = logistic(design.dot(row: row, weights))
                let residual = p - labels[row]
                let curvature = max(p * (1 - p), 1e-15)
                let range = design.rowStarts[row]..<design.rowStarts[row + 1]
                for k in range {
                    let i = Int(design.columns[k])
                    let vi = design.values[k]
                    gradient[i] += residual * vi
                    for m in range {
                        let j = Int(design.columns[m])
                        hessian[i * n + j] += curvature * vi * design.values[m]
                    }
                }
            }
            for i in 1..<n {
                gradient[i] += l2 * weights[i]
                hessian[i * n + i] += l2
            }
            // A column no row of this fit touches has only the penalty's curvature; the
            // intercept's is positive whenever there is a row.
            if hessian[0] <= 0 { hessian[0] = 1 }
            guard let step = DenseSolve.choleskySolve(hessian, gradient, n: n) else { break }
            var scale = 1.0
            var candidate = weights
            var candidateObjective = objective
            while scale > 1e-8 {
                for i in 0..<n { candidate[i] = weights[i] - scale * step[i] }
                candidateObjective = Self.objective(candidate, design, labels, rows, l2)
                if candidateObjective <= objective { break }
                scale /= 2
            }
            let largestStep = step.reduce(0) { max($0, abs($1)) } * scale
            guard candidateObjective <= objective else { break }
            weights = candidate
            let improvement = objective - candidateObjective
            objective = candidateObjective
            if largestStep < tolerance || improvement <= 1e-14 * max(1, abs(objective)) { break }
        }
        return LogisticRegression(weights: weights, iterations: iterations)
    }

    /// The penalized negative log-likelihood.
    static func objective(_ weights: [Double], _ design: SparseRows, _ labels: [Double], _ rows: [Int], _ l2: Double) -> Double {
        var loss = 0.0
        for row in rows {
            let z = design.dot(row: row, weights)
            // log(1 + exp(z)) - y z, computed without overflow.
            let softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
            loss += softplus - labels[row] * z
        }
        var penalty = 0.0
        for i in 1..<weights.count { penalty += weights[i] * weights[i] }
        return loss + 0.5 * l2 * penalty
    }
}
