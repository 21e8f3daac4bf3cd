import KindredLearning
import KindredStore

/// A person's preferences as serving applies them, on the serving model's item numbers: the
/// filter stage drops what they are not interested in, the re-ranking stage lifts what they
/// asked for more of, and their history leaves out what they said must not count.
struct ServingPreferences {
    private(set) var excludedItems = Set<Int32>()
    /// Per category number, whether a "not interested" covers it (nil: none does).
    private var excludedCategories: [Bool]?
    private var excludedBrands = Set<Int32>()
    private(set) var likedItems: [Int] = []
    private(set) var likedCategories = Set<Int32>()
    private(set) var likedBrands = Set<Int32>()
    /// The interaction kinds the person turned off as reasons.
    private(set) var ignoredKinds = Set<InteractionKind>()
    private(set) var isEmpty = true

    /// The interactions each reason type stands for.
    static let kindsOfReason: [String: [InteractionKind]] = [
        "purchases": [.purchase, .return], "cart": [.addToCart, .removeFromCart], "ratings": [.rating],
        "views": [.view, .click, .dwell, .scroll],
    ]

    init() {}

    init(_ preferences: [PreferenceStore.Preference], serving: ServingModel) {
        guard !preferences.isEmpty else { return }
        isEmpty = false
        var notInterestedCategories: [String] = []
        for preference in preferences {
            let notInterested = preference.kind == PreferenceKind.notInterested.rawValue
            switch (preference.kind, preference.targetType) {
            case (PreferenceKind.reasonOff.rawValue, _):
                ignoredKinds.formUnion(Self.kindsOfReason[preference.target] ?? [])
            case (_, "item"):
                guard let index = serving.itemIndexByID[preference.target] else { continue }
                if notInterested { excludedItems.insert(index) } else { likedItems.append(Int(index)) }
            case (_, "category"):
                if notInterested {
                    notInterestedCategories.append(preference.target)
                } else {
                    for (number, name) in serving.categoryNames.enumerated() where ItemFilter.category(name, isWithin: preference.target) {
                        likedCategories.insert(Int32(number))
                    }
                }
            case (_, "brand"):
                guard let number = serving.brandNames.firstIndex(of: preference.target) else { continue }
                if notInterested { excludedBrands.insert(Int32(number)) } else { likedBrands.insert(Int32(number)) }
            default:
                continue
            }
        }
        if !notInterestedCategories.isEmpty {
            excludedCategories = serving.categoryNames.map { name in
                notInterestedCategories.contains { ItemFilter.category(name, isWithin: $0) }
            }
        }
    }

    /// Whether a "not interested" covers the item (by itself, its category or its brand).
    func excludes(_ item: Int, serving: ServingModel) -> Bool {
        if !excludedItems.isEmpty, excludedItems.contains(Int32(item)) { return true }
        if let excludedCategories {
            let category = serving.itemCategory[item]
            if category >= 0, excludedCategories[Int(category)] { return true }
        }
        if !excludedBrands.isEmpty, excludedBrands.contains(serving.itemBrand[item]) { return true }
        return false
    }

    /// Whether the person's history must be rebuilt rather than read from the model's memory:
    /// what they turned off or are not interested in must not count, from the moment they say so.
    var reshapesHistory: Bool {
        !ignoredKinds.isEmpty || !excludedItems.isEmpty || excludedCategories != nil || !excludedBrands.isEmpty
    }

    var hasLikes: Bool { !likedItems.isEmpty || !likedCategories.isEmpty || !likedBrands.isEmpty }
}

/// The "more like this" re-ranking stage: items of a category or brand the person asked for
/// more of, or close to an item they did (similarity at least `closeness`), move up by `lift`
/// of the candidates' score range, so that the lift means the same for every model.
struct PreferenceLift: Reranker {
    static let lift: Float = 0.5
    static let closeness: Float = 0.5

    let preferences: ServingPreferences
    let serving: ServingModel
    var name: String { "more_like_this" }

    func lifts(_ item: Int) -> Bool {
        if preferences.likedCategories.contains(serving.itemCategory[item]) { return true }
        if preferences.likedBrands.contains(serving.itemBrand[item]) { return true }
        return preferences.likedItems.contains { serving.similarity.similarity($0, item) >= Self.closeness }
    }

    func rerank(_ candidates: [RankedItem], count: Int) -> [RankedItem] {
        guard let high = candidates.map(\.score).max(), let low = candidates.map(\.score).min() else { return candidates }
        let step = max(high - low, 1e-6) * Self.lift
        let lifted = candidates.enumerated().map { position, candidate in
            guard lifts(candidate.item) else { return (position, candidate, candidate.score) }
            // The reason becomes the person's own request.
            return (position, RankedItem(item: candidate.item, score: candidate.score, source: name), candidate.score + step)
        }
        // Stable: equal adjusted scores keep the order they came in.
        return lifted.sorted { ($0.2, -$0.0) > ($1.2, -$1.0) }.map(\.1)
    }
}
