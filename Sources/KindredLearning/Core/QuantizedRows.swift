import KindredKernels

/// Rows of floats stored as int8 codes with one scale per row (symmetric quantization:
/// code = round(value / scale), scale = max |value| / 127), in blocks of 16 rows interleaved
/// by dimension. Scoring against them reads a quarter of the memory Float32 rows take, which
/// is what bounds a query over a large catalog; the ranking they give is approximate and is
/// refined by an exact pass over the best candidates.
public struct QuantizedRows: Sendable {
    public static let blockRows = 16
    public let codes: [Int8]
    /// Per row, padded to whole blocks (padding rows have scale 0).
    public let scales: [Float]
    public let dimension: Int
    public let count: Int

    public init(_ values: [Float], dimension: Int) {
        let rows = dimension > 0 ? values.count / dimension : 0
        let blocks = (rows + Self.blockRows - 1) / Self.blockRows
        var codes = [Int8](repeating: 0, count: blocks * Self.blockRows * dimension)
        var scales = [Float](repeating: 0, count: blocks * Self.blockRows)
        for row in 0..<rows {
            let range = (row * dimension)..<((row + 1) * dimension)
            let maxAbs = values[range].reduce(Float(0)) { max($0, abs($1)) }
            guard maxAbs > 0 else { continue }
            let scale = maxAbs / 127
            scales[row] = scale
            let block = row / Self.blockRows
            let lane = row % Self.blockRows
            for d in 0..<dimension {
                codes[(block * dimension + d) * Self.blockRows + lane] = Int8((values[row * dimension + d] / scale).rounded())
            }
        }
        self.codes = codes
        self.scales = scales
        self.dimension = dimension
        self.count = rows
    }

    /// Catalogs at least this large split the pass across threads: it streams the codes from
    /// memory, and two cores draw about twice the bandwidth of one.
    public static let parallelThreshold = 32_768

    /// Approximate dot products of every row with `vector`; `out` gets `scales.count` entries
    /// (whole blocks), of which the first `count` are rows.
    public func multiply(by vector: [Float], into out: inout [Float], threads: Int = 2) {
        if out.count != scales.count { out = [Float](unsafeUninitializedCapacity: scales.count) { _, n in n = scales.count } }
        let blocks = scales.count / Self.blockRows
        let workers = count >= Self.parallelThreshold ? max(1, threads) : 1
        let dimension = dimension
        codes.withUnsafeBufferPointer { c in
            scales.withUnsafeBufferPointer { s in
                vector.withUnsafeBufferPointer { v in
                    out.withUnsafeMutableBufferPointer { o in
                        guard let codeBase = c.baseAddress, let scaleBase = s.baseAddress, let vectorBase = v.baseAddress,
                            let outBase = o.baseAddress
                        else { return }
                        let codes = SharedPointer(UnsafeMutablePointer(mutating: codeBase))
                        let scales = SharedPointer(UnsafeMutablePointer(mutating: scaleBase))
                        let input = SharedPointer(UnsafeMutablePointer(mutating: vectorBase))
                        let output = SharedPointer(outBase)
                        let perWorker = (blocks + workers - 1) / workers
                        Parallel.run(workers: workers) { worker in
                            let first = min(blocks, worker * perWorker)
                            let last = min(blocks, first + perWorker)
                            guard first < last else { return }
                            kk_block_gemv_i8(
                                codes.base + first * dimension * Self.blockRows, scales.base + first * Self.blockRows, last - first,
                                dimension, input.base, output.base + first * Self.blockRows)
                        }
                    }
                }
            }
        }
    }
}
