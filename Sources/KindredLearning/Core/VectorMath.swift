/// Dense vector kernels on raw pointers with 8-wide SIMD: the inner loops of ALS, BPR and
/// scoring. Callers guarantee the lengths.
///
/// Multiply and add are written separately: `addProduct` asks for a fused multiply-add, which
/// baseline x86-64 lacks, and then becomes one `fmaf` library call per lane (a third of ALS's
/// time went there).
public enum VectorMath {
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var accumulator = SIMD8<Float>()
        var index = 0
        while index + 8 <= count {
            let x = UnsafeRawPointer(a + index).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b + index).loadUnaligned(as: SIMD8<Float>.self)
            accumulator += x * y
            index += 8
        }
        var sum = accumulator.sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }

    /// y += alpha * x
    @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        let a = SIMD8<Float>(repeating: alpha)
        var index = 0
        while index + 8 <= count {
            let xv = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self)
            var yv = UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self)
            yv += a * xv
            UnsafeMutableRawPointer(y + index).storeBytes(of: yv, as: SIMD8<Float>.self)
            index += 8
        }
        while index < count {
            y[index] += alpha * x[index]
            index += 1
        }
    }

    /// out = M v for a dense row-major n x n matrix.
    @inline(__always)
    public static func symmetricMultiply(
        _ matrix: UnsafePointer<Float>, _ vector: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int
    ) {
        for row in 0..<n { out[row] = dot(matrix + row * n, vector, n) }
    }

    /// scores[i] = dot(rows[i], v) for `count` rows of `dimension` floats.
    public static func multiplyRows(
        _ rows: UnsafePointer<Float>, count: Int, dimension: Int, by vector: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>
    ) {
        for row in 0..<count { scores[row] = dot(rows + row * dimension, vector, dimension) }
    }
}
