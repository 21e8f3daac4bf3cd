/// The filter stage: the request's own limits, the person's "not interested" and the shop's
/// filter rules,
/// checked per candidate item while selecting the top k, on the serving model's flat per-item
/// arrays (categories are matched once per request).
struct ItemFilter: Sendable {
    private let serving: ServingModel
    private let minPrice: Double
    private let maxPrice: Double
    private let checksPrice: Bool
    private let inStockOnly: Bool
    /// Per category number: allowed or not; nil when the request has no category rules.
    private let allowedCategories: [Bool]?
    private let excluded: Set<Int32>
    /// What the person has seen, when the surface or the request leaves it out.
    private let seen: Set<Int32>
    private let preferences: ServingPreferences
    /// The shop's filter rules in force for this request.
    let rules: ActiveRules?

    /// `seen` is what the person has seen, left out when the surface or the request excludes it
    /// (empty otherwise).
    init(
        request: RecommendationRequest, serving: ServingModel, purchased: Set<Int32>, seen: Set<Int32> = [],
        preferences: ServingPreferences = .init(), rules: ActiveRules? = nil
    ) {
        self.preferences = preferences
        self.rules = rules
        self.serving = serving
        minPrice = request.minPrice ?? -.infinity
        maxPrice = request.maxPrice ?? .infinity
        checksPrice = request.minPrice != nil || request.maxPrice != nil
        inStockOnly = request.inStockOnly
        let include = request.includeCategories.map { $0.lowercased() }
        let exclude = request.excludeCategories.map { $0.lowercased() }
        if include.isEmpty && exclude.isEmpty {
            allowedCategories = nil
        } else {
            allowedCategories = serving.categoryNames.map { name in
                (include.isEmpty || include.contains { Self.category(name, isWithin: $0) })
                    && !exclude.contains { Self.category(name, isWithin: $0) }
            }
        }
        self.seen = seen
        var excluded = request.excludePurchased ? purchased : []
        for id in request.excludeItemIDs {
            if let index = serving.itemIndexByID[id] { excluded.insert(index) }
        }
        self.excluded = excluded
    }

    static func category(_ category: String, isWithin path: String) -> Bool {
        category == path || category.hasPrefix(path + "/")
    }

    func allows(_ item: Int) -> Bool {
        allows(item, evenIfSeen: false)
    }

    /// `evenIfSeen`: for lists of what the person has seen by design ("continue where you
    /// left off"), which "exclude seen" would empty.
    func allows(_ item: Int, evenIfSeen: Bool) -> Bool {
        if !evenIfSeen, !seen.isEmpty, seen.contains(Int32(item)) { return false }
        if inStockOnly, !serving.itemInStock[item] { return false }
        if checksPrice {
            let price = serving.itemPrice[item]
            guard price >= minPrice, price <= maxPrice else { return false }  // NaN fails both
        }
        if let allowedCategories {
            let category = serving.itemCategory[item]
            guard category >= 0, allowedCategories[Int(category)] else { return false }
        }
        if serving.catalogRow[item] == nil { return false }
        if !preferences.isEmpty, preferences.excludes(item, serving: serving) { return false }
        if let rules, !rules.filters.isEmpty, rules.filtering(item, serving: serving) != nil { return false }
        return excluded.isEmpty || !excluded.contains(Int32(item))
    }
}
