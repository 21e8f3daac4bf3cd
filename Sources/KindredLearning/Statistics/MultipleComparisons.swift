/// Corrections for looking at several variants or metrics at once: with ten independent
/// comparisons at 0.05, the chance of at least one false winner is 40%.
public enum MultipleComparisonCorrection: String, Sendable, Codable, CaseIterable {
    case none
    /// Holm's step-down: controls the chance of any false positive (family-wise error).
    case holm
    /// Benjamini-Hochberg: controls the expected share of false positives among the winners.
    case benjaminiHochberg = "bh"

    /// Adjusted p-values in the order given, to compare with the unadjusted alpha.
    public func adjust(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        guard m > 1 else { return pValues }
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 0, count: m)
        switch self {
        case .none:
            return pValues
        case .holm:
            var running = 0.0
            for (rank, index) in order.enumerated() {
                running = max(running, min(1, Double(m - rank) * pValues[index]))
                adjusted[index] = running
            }
        case .benjaminiHochberg:
            var running = 1.0
            for (rank, index) in order.enumerated().reversed() {
                running = min(running, Double(m) / Double(rank + 1) * pValues[index])
                adjusted[index] = min(1, running)
            }
        }
        return adjusted
    }
}
