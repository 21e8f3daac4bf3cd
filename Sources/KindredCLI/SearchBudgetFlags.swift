import ArgumentParser

/// The checks `kindred train` and `kindred evaluate` share on `--budget` and `--budget-time`,
/// the same ranges the settings `models.search_budget_fits` and `models.search_budget_time` take.
enum SearchBudgetFlags {
    static func validate(fits: Double?, timeMultiple: Double?) throws {
        if let fits, !(fits > 0 && fits <= 10_000) {
            throw ValidationError("--budget must be a number of fits above 0, at most 10000")
        }
        if let timeMultiple, !(timeMultiple >= 0 && timeMultiple <= 10_000) {
            throw ValidationError("--budget-time must be a multiple of one fit's time, 0 to 10000 (0: no time limit)")
        }
    }
}
