import Foundation
import KindredStore

/// The shop's limits on a model's bias: a version whose exposure is more concentrated, or
/// whose accuracy differs more between groups of people, than the shop allows is not activated
/// (by training) or activated only with `force` (by hand), and the reason is recorded.
/// `models.max_exposure_gini` and `models.max_ndcg_gap` default to 1: no limit.
struct BiasGate: Equatable {
    var maxExposureGini = 1.0
    var maxNDCGGap = 1.0

    static let keys = ["models.max_exposure_gini", "models.max_ndcg_gap"]
    static let defaults = ["models.max_exposure_gini": "1", "models.max_ndcg_gap": "1"]

    static func read(in db: StoreConnection) throws -> BiasGate {
        BiasGate(
            maxExposureGini: try SettingsStore.value("models.max_exposure_gini", in: db).flatMap(Double.init) ?? 1,
            maxNDCGGap: try SettingsStore.value("models.max_ndcg_gap", in: db).flatMap(Double.init) ?? 1)
    }

    /// Why `report` may not serve, or nil when it may.
    func refusal(_ report: BiasReport) -> String? {
        var reasons: [String] = []
        if report.popularity.exposureGini > maxExposureGini {
            reasons.append(
                "exposure Gini \(String(format: "%.3f", report.popularity.exposureGini)) is above the shop's limit \(maxExposureGini) (models.max_exposure_gini)")
        }
        if let worst = report.accuracyGaps.max(by: { $0.ndcgGap < $1.ndcgGap }), worst.ndcgGap > maxNDCGGap {
            reasons.append(
                "the NDCG gap between groups of people by \(worst.grouping) is \(String(format: "%.4f", worst.ndcgGap)), above the shop's limit \(maxNDCGGap) (models.max_ndcg_gap)")
        }
        return reasons.isEmpty ? nil : "bias gate: " + reasons.joined(separator: "; ")
    }
}
