import Foundation

/// The standard normal distribution.
public enum Normal {
    public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// P(Z > x), exact in the far tail where 1 - cdf(x) would round to zero.
    public static func survival(_ x: Double) -> Double { 0.5 * erfc(x / 2.0.squareRoot()) }

    public static func density(_ x: Double) -> Double { exp(-0.5 * x * x) / (2 * Double.pi).squareRoot() }

    /// The p-quantile: Acklam's rational approximation, then one Halley step on erfc, which
    /// brings it to full double precision.
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a normal quantile needs 0 < p < 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                 -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                 -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let error = cdf(x) - p
        let u = error * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }
}

/// Student's t distribution with (possibly fractional, as Welch-Satterthwaite gives) degrees
/// of freedom.
public enum StudentT {
    /// P(T <= t) through the incomplete beta function.
    public static func cdf(_ t: Double, degreesOfFreedom df: Double) -> Double {
        if df.isInfinite { return Normal.cdf(t) }
        let tail = 0.5 * SpecialFunctions.regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// P(|T| > |t|), the two-sided p-value, kept precise when it is tiny.
    public static func twoSidedPValue(_ t: Double, degreesOfFreedom df: Double) -> Double {
        if df.isInfinite { return 2 * Normal.survival(abs(t)) }
        return SpecialFunctions.regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    public static func density(_ t: Double, degreesOfFreedom df: Double) -> Double {
        exp(lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi) - (df + 1) / 2 * log1p(t * t / df))
    }

    /// The p-quantile by Newton's method from the normal quantile, kept inside a bracket that
    /// halves whenever a step would leave it.
    public static func quantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1, "a t quantile needs 0 < p < 1")
        if df.isInfinite || df > 1e10 { return Normal.quantile(p) }
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: df) }
        var low = 0.0
        var high = 1.0
        while cdf(high, degreesOfFreedom: df) < p { high *= 2 }
        var x = min(max(Normal.quantile(p), low), high)
        for _ in 0..<200 {
            let error = cdf(x, degreesOfFreedom: df) - p
            if error > 0 { high = x } else { low = x }
            var next = x - error / density(x, degreesOfFreedom: df)
            if !(next > low && next < high) { next = (low + high) / 2 }
            if abs(next - x) <= 1e-14 * max(1, abs(x)) { return next }
            x = next
        }
        return x
    }
}

/// The chi-square distribution, for sample ratio mismatch.
public enum ChiSquare {
    /// P(X > x) with k degrees of freedom.
    public static func survival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        SpecialFunctions.regularizedUpperGamma(k / 2, x / 2)
    }
}
