import KindredKernels

/// Implicit-feedback alternating least squares (Hu, Koren and Volinsky, 2008) with the
/// conjugate-gradient solver of Takács, Pilászy and Tikk (2011): each user's (and item's)
/// least-squares problem is not solved exactly but improved by a few CG steps from its
/// previous value, which is what makes ALS fast enough to retrain hourly.
///
/// Confidence c = 1 + alpha * weight; preference p = 1 for every observed pair.
public struct ALSAlgorithm: RecommenderAlgorithm {
    public var factors: Int
    public var regularization: Float
    public var alpha: Float
    public var iterations: Int
    public var cgSteps: Int
    public var threads: Int
    public var seed: UInt64

    public init(
        factors: Int = 64, regularization: Float = 0.1, alpha: Float = 1, iterations: Int = 15, cgSteps: Int = 3,
        threads: Int = 2, seed: UInt64 = 42
    ) {
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.cgSteps = cgSteps
        self.threads = threads
        self.seed = seed
    }

    public var name: String { "als" }
    public var hyperparameters: [String: Double] {
        [
            "factors": Double(factors), "regularization": Double(decimal: regularization), "alpha": Double(decimal: alpha),
            "iterations": Double(iterations), "cg_steps": Double(cgSteps), "seed": Double(seed),
        ]
    }

    public func fit(_ data: TrainingSet) -> any RecommenderModel {
        fitFactors(data)
    }

    /// The fitted factors, typed (the serving layer stores and reloads them).
    public func fitFactors(_ data: TrainingSet) -> MatrixFactorizationModel {
        let confidence = data.interactions.mapValues { 1 + alpha * $0 }
        let byItem = confidence.transposed()
        var random = SeededGenerator(seed: seed)
        var userFactors = (0..<(data.users * factors)).map { _ in Float(random.nextUnit()) * 0.01 }
        var itemFactors = (0..<(data.items * factors)).map { _ in Float(random.nextUnit()) * 0.01 }
        for _ in 0..<iterations {
            ConjugateGradient.solve(
                targets: &userFactors, fixed: itemFactors, confidence: confidence, factors: factors,
                regularization: regularization, steps: cgSteps, threads: threads)
            ConjugateGradient.solve(
                targets: &itemFactors, fixed: userFactors, confidence: byItem, factors: factors,
                regularization: regularization, steps: cgSteps, threads: threads)
        }
        return MatrixFactorizationModel(
            userFactors: userFactors, itemFactors: itemFactors, factors: factors, regularization: regularization, alpha: alpha)
    }
}

/// One half-step of ALS: improves every row of `targets` (users, or items) with a few CG
/// steps on its regularized weighted least-squares problem against the `fixed` side.
enum ConjugateGradient {
    static func solve(
        targets: inout [Float], fixed: [Float], confidence: SparseMatrix, factors f: Int, regularization: Float,
        steps: Int, threads: Int
    ) {
        var gram = Gram.compute(fixed, rows: fixed.count / f, factors: f, threads: threads)
        for d in 0..<f { gram[d * f + d] += regularization }
        let rows = confidence.rows
        let workers = max(1, min(threads, rows))
        gram.withUnsafeBufferPointer { gramBuffer in
            fixed.withUnsafeBufferPointer { fixedBuffer in
                confidence.rowStarts.withUnsafeBufferPointer { startsBuffer in
                    confidence.columnIndices.withUnsafeBufferPointer { columnsBuffer in
                        confidence.values.withUnsafeBufferPointer { valuesBuffer in
                            targets.withUnsafeMutableBufferPointer { targetBuffer in
                                let yty = SharedPointer(UnsafeMutablePointer(mutating: gramBuffer.baseAddress!))
                                let y = SharedPointer(UnsafeMutablePointer(mutating: fixedBuffer.baseAddress!))
                                let starts = SharedPointer(UnsafeMutablePointer(mutating: startsBuffer.baseAddress!))
                                let columns = SharedPointer(UnsafeMutablePointer(mutating: columnsBuffer.baseAddress!))
                                let values = SharedPointer(UnsafeMutablePointer(mutating: valuesBuffer.baseAddress!))
                                let x = SharedPointer(targetBuffer.baseAddress!)
                                Parallel.run(workers: workers) { worker in
                                    let r = UnsafeMutablePointer<Float>.allocate(capacity: f)
                                    let p = UnsafeMutablePointer<Float>.allocate(capacity: f)
                                    let ap = UnsafeMutablePointer<Float>.allocate(capacity: f)
                                    defer {
                                        r.deallocate()
                                        p.deallocate()
                                        ap.deallocate()
                                    }
                                    var row = worker
                                    while row < rows {
                                        step(
                                            x: x.base + row * f, y: y.base, yty: yty.base, columns: columns.base,
                                            values: values.base, range: starts[row]..<starts[row + 1], f: f, steps: steps,
                                            r: r, p: p, ap: ap)
                                        row += workers
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One row's CG steps; the kernel (C, compiled per instruction set) does the arithmetic:
    /// r = b - A x with A = YtY + reg I + Yt (C - I) Y and b = Yt C p, then `steps` CG updates.
    @inline(__always)
    static func step(
        x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, yty: UnsafeMutablePointer<Float>,
        columns: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Float>, range: Range<Int>, f: Int, steps: Int,
        r: UnsafeMutablePointer<Float>, p: UnsafeMutablePointer<Float>, ap: UnsafeMutablePointer<Float>
    ) {
        kk_cg_row(x, y, yty, columns + range.lowerBound, values + range.lowerBound, range.count, f, steps, r, p, ap)
    }
}

/// Gram matrices Yt Y of row-major factor matrices. The rows are cut into a fixed number of
/// chunks whose partial sums are added in order, so that the result (to the last bit) does
/// not depend on how many threads computed it.
enum Gram {
    static let chunks = 8

    static func compute(_ matrix: [Float], rows: Int, factors f: Int, threads: Int) -> [Float] {
        var partials = [[Float]](repeating: [Float](repeating: 0, count: f * f), count: chunks)
        let workers = max(1, min(threads, chunks))
        let chunkSize = (rows + chunks - 1) / chunks
        matrix.withUnsafeBufferPointer { buffer in
            partials.withUnsafeMutableBufferPointer { partialBuffer in
                guard let base = buffer.baseAddress else { return }
                let source = SharedPointer(UnsafeMutablePointer(mutating: base))
                let outputs = SharedPointer(partialBuffer.baseAddress!)
                Parallel.run(workers: workers) { worker in
                    var chunk = worker
                    while chunk < chunks {
                        var local = [Float](repeating: 0, count: f * f)
                        local.withUnsafeMutableBufferPointer { out in
                            for row in min(rows, chunk * chunkSize)..<min(rows, (chunk + 1) * chunkSize) {
                                let v = source.base + row * f
                                for a in 0..<f where v[a] != 0 { VectorMath.axpy(v[a], v, out.baseAddress! + a * f, f) }
                            }
                        }
                        outputs[chunk] = local
                        chunk += workers
                    }
                }
            }
        }
        var gram = partials[0]
        for partial in partials.dropFirst() { for index in gram.indices { gram[index] += partial[index] } }
        return gram
    }
}
