import KindredLearning
import KindredStore

/// A person's events as the model sees them: weights per model item, what they bought, and
/// how they came to each item (for reasons).
struct UserHistory {
    var vector = SparseVector()
    var purchased = Set<Int32>()
    /// Item -> the strongest thing they did with it.
    var strongest: [Int32: InteractionKind] = [:]

    static let strength: [InteractionKind: Int] = [
        .purchase: 6, .addToCart: 5, .rating: 4, .click: 3, .dwell: 2, .scroll: 1, .view: 1,
    ]

    init(events: EventColumns?, serving: ServingModel) {
        guard let events else { return }
        var weights: [Int32: Float] = [:]
        let reference = events.timestamps.max() ?? 0
        for index in 0..<events.count {
            guard let item = serving.itemIndex[events.itemPKs[index]] else { continue }
            let kind = TrainingData.kindOfType[Int(events.typeCodes[index])]
            let weight =
                serving.weights.weight(kind, value: events.values[index])
                * serving.weights.decay(at: events.timestamps[index], referenceTime: reference)
            weights[item, default: 0] += weight
            if kind == .purchase { purchased.insert(item) }
            if kind == .return { purchased.remove(item) }
            if let rank = Self.strength[kind], rank > (strongest[item].flatMap { Self.strength[$0] } ?? 0) { strongest[item] = kind }
        }
        let kept = weights.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        vector = SparseVector(indices: kept.map(\.key), values: kept.map(\.value))
    }

    func reason(for item: Int, model: any RecommenderModel, serving: ServingModel) -> String {
        guard let explainable = model as? any ExplainableModel, let source = explainable.explain(item: item, history: vector),
            let row = serving.catalogRow[source]
        else { return "recommended for you" }
        let name = serving.catalog.titles[row] ?? serving.catalog.itemIDs[row]
        switch strongest[Int32(source)] {
        case .purchase: return "because you bought \(name)"
        case .addToCart: return "because you added \(name) to your cart"
        case .rating: return "because you rated \(name)"
        default: return "because you viewed \(name)"
        }
    }
}
