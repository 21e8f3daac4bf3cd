/// The business rules of a request, checked per candidate item while selecting the top k.
struct ItemFilter {
    private let serving: ServingModel
    private let include: [String]
    private let exclude: [String]
    private let minPrice: Double?
    private let maxPrice: Double?
    private let inStockOnly: Bool
    private let excluded: Set<Int32>

    init(request: RecommendationRequest, serving: ServingModel, purchased: Set<Int32>) {
        self.serving = serving
        include = request.includeCategories.map { $0.lowercased() }
        exclude = request.excludeCategories.map { $0.lowercased() }
        minPrice = request.minPrice
        maxPrice = request.maxPrice
        inStockOnly = request.inStockOnly
        var excluded = request.excludePurchased ? purchased : []
        let ids = Set(request.excludeItemIDs)
        if !ids.isEmpty {
            for (index, row) in serving.catalogRow.enumerated() {
                if let row, ids.contains(serving.catalog.itemIDs[row]) { excluded.insert(Int32(index)) }
            }
        }
        self.excluded = excluded
    }

    static func category(_ category: String, isWithin path: String) -> Bool {
        category == path || category.hasPrefix(path + "/")
    }

    func allows(_ item: Int) -> Bool {
        guard !excluded.contains(Int32(item)), let row = serving.catalogRow[item] else { return false }
        if inStockOnly, !serving.catalog.inStock[row] { return false }
        if minPrice != nil || maxPrice != nil {
            guard let price = serving.catalog.prices[row] else { return false }
            if let minPrice, price < minPrice { return false }
            if let maxPrice, price > maxPrice { return false }
        }
        if !include.isEmpty || !exclude.isEmpty {
            let category = serving.catalog.categories[row]?.lowercased() ?? ""
            if !include.isEmpty, !include.contains(where: { Self.category(category, isWithin: $0) }) { return false }
            if exclude.contains(where: { Self.category(category, isWithin: $0) }) { return false }
        }
        return true
    }
}
