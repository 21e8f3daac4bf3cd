import ArgumentParser
import KindredEngine

/// `--budget` and `--budget-time`, which `kindred train` and `kindred evaluate` (its `default`
/// row) share: the search's budgets, in the ranges the settings `models.search_budget_fits` and
/// `models.search_budget_time` take. Unset, the settings decide.
struct SearchBudgetOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The fits the search for the default model may spend, a fit on a share of the people counting that share (default: setting models.search_budget_fits, 16).",
            valueName: "fits"))
    var budget: Double?

    @Option(
        help: ArgumentHelp(
            "The time the search for the default model may spend, as a multiple of one fit of its first configuration; 0 for no limit (default: setting models.search_budget_time, 24).",
            valueName: "multiple"))
    var budgetTime: Double?

    func validate() throws {
        if let budget, !(budget > 0 && budget <= 10_000) {
            throw ValidationError("--budget must be a number of fits above 0, at most 10000")
        }
        if let budgetTime, !(budgetTime >= 0 && budgetTime <= 10_000) {
            throw ValidationError("--budget-time must be a multiple of one fit's time, 0 to 10000 (0: no time limit)")
        }
    }

    /// The search's options: these flags where given, the shop's settings elsewhere.
    func searchOptions(of engine: Engine) throws -> ModelSearchOptions {
        try engine.searchOptions(fits: budget, timeMultiple: budgetTime)
    }
}
