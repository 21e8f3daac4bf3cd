import KindredKernels

/// Rows of floats stored as int8 codes with one scale per row (symmetric quantization:
/// code = round(value / scale), scale = max |value| / 127), laid out for the integer kernel
/// `kk_block_dot_i8`: blocks of 16 rows, each block in groups of 4 dimensions. A query is
/// quantized the same way, so the first pass of serving is integer dot products (AVX-512 VNNI
/// does 64 of those multiply-adds in one instruction) over a quarter of the memory Float32 rows
/// take. The ranking it gives is approximate and is refined by an exact pass over the best
/// candidates.
public struct QuantizedRows: Sendable {
    public static let blockRows = 16
    /// Dimensions the kernel takes together per row.
    static let groupWidth = 4
    public let codes: [Int8]
    /// Per row, padded to whole blocks (padding rows have scale 0).
    public let scales: [Float]
    /// Per row (padded like `scales`), the sum of its codes: the kernel's correction for the
    /// query's offset.
    let codeSums: [Int32]
    public let dimension: Int
    /// Groups of 4 dimensions per row; the last group is padded with zero codes.
    let groups: Int
    public let count: Int

    public init(_ values: [Float], dimension: Int) {
        let rows = dimension > 0 ? values.count / dimension : 0
        let blocks = (rows + Self.blockRows - 1) / Self.blockRows
        let groups = (dimension + Self.groupWidth - 1) / Self.groupWidth
        let width = Self.groupWidth
        var codes = [Int8](repeating: 0, count: blocks * Self.blockRows * groups * width)
        var scales = [Float](repeating: 0, count: blocks * Self.blockRows)
        var sums = [Int32](repeating: 0, count: blocks * Self.blockRows)
        for row in 0..<rows {
            let range = (row * dimension)..<((row + 1) * dimension)
            let maxAbs = values[range].reduce(Float(0)) { max($0, abs($1)) }
            guard maxAbs > 0 else { continue }
            let scale = maxAbs / 127
            scales[row] = scale
            let block = row / Self.blockRows
            let lane = row % Self.blockRows
            var sum: Int32 = 0
            for d in 0..<dimension {
                let code = Int8((values[row * dimension + d] / scale).rounded())
                codes[((block * groups + d / width) * Self.blockRows + lane) * width + d % width] = code
                sum += Int32(code)
            }
            sums[row] = sum
        }
        self.codes = codes
        self.scales = scales
        self.codeSums = sums
        self.dimension = dimension
        self.groups = groups
        self.count = rows
    }

    /// A query vector as the kernel takes it: int8 codes plus 128, padded to whole groups, and
    /// the scale that turns codes back into values.
    struct Query {
        var bytes: [UInt8]
        var scale: Float
    }

    func quantize(_ vector: [Float]) -> Query {
        var bytes = [UInt8](repeating: 128, count: groups * Self.groupWidth)
        let maxAbs = vector.prefix(dimension).reduce(Float(0)) { max($0, abs($1)) }
        guard maxAbs > 0, maxAbs.isFinite else { return Query(bytes: bytes, scale: 0) }
        let scale = maxAbs / 127
        for d in 0..<min(dimension, vector.count) { bytes[d] = UInt8(Int((vector[d] / scale).rounded()) + 128) }
        return Query(bytes: bytes, scale: scale)
    }

    /// A bound on the approximate score of any row whose norm is at most `rowNorm`, for a
    /// query of Euclidean norm `queryNorm`: each row coordinate is off by at most half a step
    /// (scale / 2 <= norm / 254) and each query coordinate by half the query's step, so by
    /// Cauchy-Schwarz the approximate dot product is at most
    /// rowNorm (1 + sqrt(d) / 254) (queryNorm + queryScale sqrt(d) / 2); a little slack covers
    /// float rounding.
    func scoreBound(rowNorm: Float, query: Query, queryNorm: Float) -> Float {
        let root = Float(dimension).squareRoot()
        return rowNorm * (1 + root / 254) * (queryNorm + query.scale * root / 2) * 1.0001
    }

    /// Rows padded to whole blocks.
    public var blockCount: Int { scales.count / Self.blockRows }

    /// Approximate dot products of every row with `vector`; `out` gets `scales.count` entries
    /// (whole blocks), of which the first `count` are rows.
    public func multiply(by vector: [Float], into out: inout [Float]) {
        multiply(quantize(vector), into: &out, kernel: .best)
    }

    /// Which implementation of the kernel runs: the best the CPU has, or the portable one
    /// (tests hold the two to identical results).
    enum Kernel {
        case best, portable
    }

    func multiply(_ query: Query, into out: inout [Float], kernel: Kernel) {
        if out.count != scales.count { out = [Float](unsafeUninitializedCapacity: scales.count) { _, n in n = scales.count } }
        out.withUnsafeMutableBufferPointer { o in scan(query, blocks: 0..<blockCount, into: o.baseAddress!, kernel: kernel) }
    }

    /// Approximate dot products of the rows in `blocks` (block indices) with a quantized query,
    /// written to `out` (16 per block).
    func scan(_ query: Query, blocks: Range<Int>, into out: UnsafeMutablePointer<Float>, kernel: Kernel = .best) {
        guard !blocks.isEmpty else { return }
        let blockCodes = groups * Self.groupWidth * Self.blockRows
        let run = kernel == .best ? kk_block_dot_i8 : kk_block_dot_i8_portable
        codes.withUnsafeBufferPointer { c in
            scales.withUnsafeBufferPointer { s in
                codeSums.withUnsafeBufferPointer { sums in
                    query.bytes.withUnsafeBufferPointer { q in
                        run(
                            c.baseAddress! + blocks.lowerBound * blockCodes, s.baseAddress! + blocks.lowerBound * Self.blockRows,
                            sums.baseAddress! + blocks.lowerBound * Self.blockRows, blocks.count, groups, q.baseAddress!, query.scale, out)
                    }
                }
            }
        }
    }
}
