/// The inverse of a large symmetric positive-definite matrix in Float, for EASE's item-item
/// Gram matrix (thousands to tens of thousands of rows). `DenseSolve` serves the small systems
/// of fold-in and Newton steps in Double; at this size the work is n³/2 multiply-adds and what
/// decides the time is memory traffic, so every step is written as dot products of contiguous
/// rows, blocked so that a row fetched from memory serves a block of rows kept in cache, and
/// spread over the workers.
///
/// The steps: Cholesky A = L Lᵀ (left-looking, in place); T = L⁻ᵀ row by row (row j of T is
/// column j of L⁻¹, found by forward substitution); A⁻¹ = L⁻ᵀ L⁻¹, whose entry (a, b) is the
/// dot product of rows a and b of T from max(a, b) on.
public enum SymmetricInverse {
    /// Rows handled together: 32 rows of 20,000 floats are 2.5 MB, about what a core's share
    /// of cache holds.
    static let block = 32

    /// Bytes `invert` holds at its peak: the matrix and one scratch matrix of the same size.
    public static func bytesNeeded(n: Int) -> Int { 2 * n * n * MemoryLayout<Float>.stride }

    /// Replaces the n x n row-major `matrix` by its inverse; false, leaving it undefined, if it
    /// is not positive definite (a pivot not above zero).
    public static func invert(_ matrix: inout [Float], n: Int, threads: Int) -> Bool {
        precondition(matrix.count == n * n)
        guard n > 0 else { return true }
        var scratch = [Float](repeating: 0, count: n * n)
        return matrix.withUnsafeMutableBufferPointer { a in
            scratch.withUnsafeMutableBufferPointer { t in
                guard factor(a.baseAddress!, n: n, workers: max(1, threads)) else { return false }
                invertFactor(a.baseAddress!, into: t.baseAddress!, n: n, workers: max(1, threads))
                multiplyTransposed(t.baseAddress!, into: a.baseAddress!, n: n, workers: max(1, threads))
                return true
            }
        }
    }

    /// Cholesky in place: the lower triangle becomes L (the upper triangle is left as it was).
    /// For each block of rows, the columns left of the block depend only on finished rows, so
    /// the block's rows share them out among the workers; the block's own triangle is then
    /// finished by one worker, in order.
    static func factor(_ a: UnsafeMutablePointer<Float>, n: Int, workers: Int) -> Bool {
        let shared = SharedPointer(a)
        for start in stride(from: 0, to: n, by: block) {
            let end = min(n, start + block)
            if start > 0 {
                Parallel.run(workers: min(workers, end - start)) { worker in
                    let a = shared.base
                    for j in 0..<start {
                        let rowJ = a + j * n
                        let pivot = rowJ[j]
                        var i = start + worker
                        while i < end {
                            let rowI = a + i * n
                            rowI[j] = (rowI[j] - VectorMath.dot(rowI, rowJ, j)) / pivot
                            i += min(workers, end - start)
                        }
                    }
                }
            }
            for j in start..<end {
                let rowJ = a + j * n
                let diagonal = rowJ[j] - VectorMath.dot(rowJ, rowJ, j)
                guard diagonal > 0, diagonal.isFinite else { return false }
                rowJ[j] = diagonal.squareRoot()
                for i in (j + 1)..<max(j + 1, end) {
                    let rowI = a + i * n
                    rowI[j] = (rowI[j] - VectorMath.dot(rowI, rowJ, j)) / rowJ[j]
                }
            }
        }
        return true
    }

    /// Row j of `t` becomes column j of L⁻¹ (nonzero from index j on): t[j][j] = 1 / L[j][j],
    /// t[j][i] = -(L[i][j..<i] · t[j][j..<i]) / L[i][i]. Blocks of j are independent, so the
    /// workers take whole blocks; within one, each row of L is read once for the whole block.
    static func invertFactor(_ l: UnsafeMutablePointer<Float>, into t: UnsafeMutablePointer<Float>, n: Int, workers: Int) {
        let lShared = SharedPointer(l)
        let tShared = SharedPointer(t)
        inBlocks(n: n, workers: workers) { rows in
            let (l, t) = (lShared.base, tShared.base)
            for i in rows.lowerBound..<n {
                let rowI = l + i * n
                let pivot = rowI[i]
                for j in rows.lowerBound..<min(rows.upperBound, i + 1) {
                    let rowJ = t + j * n
                    rowJ[i] = i == j ? 1 / pivot : -VectorMath.dot(rowI + j, rowJ + j, i - j) / pivot
                }
            }
        }
    }

    /// out = Tᵀ T restricted to where T is upper triangular: out[a][b] = t[a][m..<n] ·
    /// t[b][m..<n] with m = max(a, b). Each worker owns blocks of rows a and writes both (a, b)
    /// and (b, a) for b ≥ a, so no entry has two writers.
    static func multiplyTransposed(_ t: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>, n: Int, workers: Int) {
        let tShared = SharedPointer(t)
        let outShared = SharedPointer(out)
        inBlocks(n: n, workers: workers) { rows in
            let (t, out) = (tShared.base, outShared.base)
            for column in rows.lowerBound..<n {
                let rowColumn = t + column * n + column
                for row in rows.lowerBound..<min(rows.upperBound, column + 1) {
                    let value = VectorMath.dot(t + row * n + column, rowColumn, n - column)
                    out[row * n + column] = value
                    out[column * n + row] = value
                }
            }
        }
    }

    /// Calls `body` with every block of `block` rows, whole blocks dealt out to the workers in
    /// turn (block b to worker b mod workers): the later blocks, shorter to work on, spread too.
    private static func inBlocks(n: Int, workers: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let blocks = (n + block - 1) / block
        let workers = min(workers, blocks)
        Parallel.run(workers: workers) { worker in
            for b in stride(from: worker, to: blocks, by: workers) { body((b * block)..<min(n, (b + 1) * block)) }
        }
    }

}
