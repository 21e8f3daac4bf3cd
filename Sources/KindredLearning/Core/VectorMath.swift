import KindredKernels

/// Dense vector kernels on raw pointers: the inner loops of ALS, BPR and scoring. Callers
/// guarantee the lengths.
///
/// They delegate to KindredKernels (C), whose functions are compiled for AVX-512, AVX2 and
/// the baseline and picked for the CPU at load time. Swift code can only be compiled for one
/// instruction set, and for portability that is baseline x86-64 (SSE2, no fused
/// multiply-add): there `SIMD8.addProduct` even became one `fmaf` library call per lane.
public enum VectorMath {
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        kk_dot(a, b, count)
    }

    /// y += alpha * x
    @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int) {
        kk_axpy(alpha, x, y, count)
    }

    /// scores[i] = dot(rows[i], v) for `count` rows of `dimension` floats.
    public static func multiplyRows(
        _ rows: UnsafePointer<Float>, count: Int, dimension: Int, by vector: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>
    ) {
        kk_gemv(rows, count, dimension, vector, scores)
    }
}
