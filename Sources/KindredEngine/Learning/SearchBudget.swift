import Foundation
import KindredStore

/// The search's budget as a shop sets it: `models.search_budget_fits` (fits, default 16) and
/// `models.search_budget_time` (a multiple of one fit's time, default 24; 0 for no limit). The
/// scheduler reads them; `kindred train` and `kindred evaluate` read them unless a flag says
/// otherwise.
enum SearchBudget {
    static let fitsKey = "models.search_budget_fits"
    static let timeKey = "models.search_budget_time"
    static let keys = [fitsKey, timeKey]
    static var defaults: [String: String] {
        let options = ModelSearchOptions()
        return [
            fitsKey: options.budget.formatted(.number.grouping(.never)),
            timeKey: (options.timeBudget ?? 0).formatted(.number.grouping(.never)),
        ]
    }

    static func validate(_ key: String, _ value: String) throws(ShopSetting.Invalid) -> String? {
        switch key {
        case fitsKey:
            guard let fits = Double(value), fits > 0, fits <= 10_000 else {
                throw ShopSetting.Invalid(
                    description: "\(key): a number of fits above 0, at most 10000 (a fit on a share of the people counts that share)")
            }
            return fits.formatted(.number.grouping(.never))
        case timeKey:
            guard let multiple = Double(value), multiple >= 0, multiple <= 10_000 else {
                throw ShopSetting.Invalid(description: "\(key): a multiple of one fit's time, 0...10000 (0: no time limit)")
            }
            return multiple.formatted(.number.grouping(.never))
        default:
            return nil
        }
    }
}

extension Engine {
    /// The search's options with its budget: `fits` and `timeMultiple` when given (a command's
    /// flags), otherwise the shop's settings, otherwise the defaults. A time multiple of 0 means
    /// no time limit.
    public func searchOptions(fits: Double? = nil, timeMultiple: Double? = nil) throws -> ModelSearchOptions {
        let stored = try database.writer.read { db in
            (try SettingsStore.value(SearchBudget.fitsKey, in: db), try SettingsStore.value(SearchBudget.timeKey, in: db))
        }
        var options = ModelSearchOptions()
        if let budget = fits ?? stored.0.flatMap(Double.init) { options.budget = budget }
        if let multiple = timeMultiple ?? stored.1.flatMap(Double.init) { options.timeBudget = multiple > 0 ? multiple : nil }
        return options
    }
}
