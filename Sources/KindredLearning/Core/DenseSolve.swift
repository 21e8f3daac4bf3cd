/// Solves small symmetric positive-definite systems A x = b by Cholesky factorization: the
/// fold-in step that gives a new user a vector from fixed item factors, and the Newton step of
/// a logistic regression.
public enum DenseSolve {
    /// `matrix` is n x n row-major and is overwritten with its factor; returns nil if A is not
    /// positive definite. Computed in Double for stability.
    public static func choleskySolve(_ matrix: inout [Float], _ rhs: [Float], n: Int) -> [Float]? {
        var a = matrix.map { Double($0) }
        guard let x = solve(&a, rhs.map { Double($0) }, n: n) else { return nil }
        matrix = a.map(Float.init)
        return x.map(Float.init)
    }

    /// The same solve in Double throughout, for systems (a Newton step) whose right-hand side
    /// must keep Double precision; `matrix` is n x n row-major. Nil if A is not positive definite.
    public static func choleskySolve(_ matrix: [Double], _ rhs: [Double], n: Int) -> [Double]? {
        var a = matrix
        return solve(&a, rhs, n: n)
    }

    /// The inverse of a symmetric positive-definite n x n matrix (row-major), nil if it is not
    /// positive definite: what a linear bandit's confidence widths and posterior draws read.
    public static func choleskyInverse(_ matrix: [Double], n: Int) -> [Double]? {
        var a = matrix
        guard factor(&a, n: n) else { return nil }
        var inverse = [Double](repeating: 0, count: n * n)
        var unit = [Double](repeating: 0, count: n)
        for column in 0..<n {
            unit[column] = 1
            let x = substitute(a, unit, n: n)
            unit[column] = 0
            for row in 0..<n { inverse[row * n + column] = x[row] }
        }
        return inverse
    }

    /// The lower-triangular L with L L^T = A (the upper triangle zeroed), nil if A is not
    /// positive definite: how correlated normal draws are made from independent ones.
    public static func choleskyFactor(_ matrix: [Double], n: Int) -> [Double]? {
        var a = matrix
        guard factor(&a, n: n) else { return nil }
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { a[i * n + j] = 0 } }
        return a
    }

    /// Factors `a` = L L^T in place (lower triangle), then substitutes forward and back.
    private static func solve(_ a: inout [Double], _ rhs: [Double], n: Int) -> [Double]? {
        guard factor(&a, n: n) else { return nil }
        return substitute(a, rhs, n: n)
    }

    /// Writes L into the lower triangle of `a`; false if A is not positive definite.
    private static func factor(_ a: inout [Double], n: Int) -> Bool {
        for j in 0..<n {
            var diagonal = a[j * n + j]
            for k in 0..<j { diagonal -= a[j * n + k] * a[j * n + k] }
            guard diagonal > 0 else { return false }
            let root = diagonal.squareRoot()
            a[j * n + j] = root
            for i in (j + 1)..<n {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= a[i * n + k] * a[j * n + k] }
                a[i * n + j] = sum / root
            }
        }
        return true
    }

    /// Solves L L^T x = rhs with the factor in the lower triangle of `a`.
    private static func substitute(_ a: [Double], _ rhs: [Double], n: Int) -> [Double] {
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = rhs[i]
            for k in 0..<i { sum -= a[i * n + k] * y[k] }
            y[i] = sum / a[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= a[k * n + i] * x[k] }
            x[i] = sum / a[i * n + i]
        }
        return x
    }
}
