import KindredLearning
import KindredStore

/// A person's history as the model sees it: what they had done at training time (from the
/// serving model's memory) plus the events that came after (from the database), as weights
/// per model item, with what they bought and how they came to each item (for reasons).
struct UserHistory {
    var vector = SparseVector()
    var purchased = Set<Int32>()
    var hasNewEvents = false
    /// Item -> the strongest thing they did with it, as far as we know.
    var strongest: [Int32: InteractionKind] = [:]

    static let strength: [InteractionKind: Int] = [
        .purchase: 6, .addToCart: 5, .rating: 4, .click: 3, .dwell: 2, .scroll: 1, .view: 1,
    ]

    /// Reasons compare the recommended item with at most this many history items (the
    /// heaviest), which bounds the cost for people with thousands of events.
    static let explanationCandidates = 200

    /// `newEvents` are the events after training, or with `preferences.reshapesHistory` every
    /// event of the person: then nothing comes from the model's memory, the items they are not
    /// interested in and the kinds they turned off as reasons count for nothing, and the query
    /// folds them in afresh.
    init(userPK: Int64?, newEvents: EventColumns?, serving: ServingModel, preferences: ServingPreferences = .init()) {
        let rebuilt = preferences.reshapesHistory
        let pastRow = rebuilt ? nil : userPK.flatMap { serving.historyRow[$0] }.map(Int.init)
        if let pastRow {
            for item in serving.purchases.row(pastRow).columns {
                purchased.insert(item)
                strongest[item] = .purchase
            }
        }
        guard let newEvents, newEvents.count > 0 || rebuilt else {
            // Nothing since training: the stored row is the vector already (ascending items,
            // positive weights), and copying it costs a fraction of a merge through a dictionary,
            // which mattered for the people with the longest histories (the latency tail).
            if let pastRow {
                let past = serving.histories.row(pastRow)
                vector = SparseVector(indices: Array(past.columns), values: Array(past.values))
            }
            return
        }
        var weights: [Int32: Float] = [:]
        if let pastRow {
            let past = serving.histories.row(pastRow)
            for (item, weight) in zip(past.columns, past.values) { weights[item] = weight }
        }
        hasNewEvents = true
        let reference = newEvents.timestamps.max() ?? 0
        for index in 0..<newEvents.count {
            guard let item = serving.itemIndex[newEvents.itemPKs[index]] else { continue }
            let kind = TrainingData.kindOfType[Int(newEvents.typeCodes[index])]
            if kind == .purchase { purchased.insert(item) }
            if kind == .return { purchased.remove(item) }
            if rebuilt, preferences.ignoredKinds.contains(kind) || preferences.excludes(Int(item), serving: serving) { continue }
            weights[item, default: 0] +=
                serving.weights.weight(kind, value: newEvents.values[index])
                * serving.weights.decay(at: newEvents.timestamps[index], referenceTime: reference)
            if let rank = Self.strength[kind], rank > (strongest[item].flatMap { Self.strength[$0] } ?? 0) { strongest[item] = kind }
        }
        let kept = weights.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        vector = SparseVector(indices: kept.map(\.key), values: kept.map(\.value))
    }

    /// Everything the person has seen, as far as the model knows: every item of their history
    /// (views, clicks, carts, ratings, purchases) and what they bought.
    var seen: Set<Int32> { purchased.union(vector.indices) }

    func reason(for item: Int, model: any RecommenderModel, serving: ServingModel) -> String {
        var candidates = vector
        if candidates.indices.count > Self.explanationCandidates {
            let heaviest = zip(candidates.indices, candidates.values).sorted { $0.1 > $1.1 }.prefix(Self.explanationCandidates)
                .sorted { $0.0 < $1.0 }
            candidates = SparseVector(indices: heaviest.map(\.0), values: heaviest.map(\.1))
        }
        guard let explainable = model as? any ExplainableModel, let source = explainable.explain(item: item, history: candidates),
            let row = serving.catalogRow[source]
        else { return "recommended for you" }
        let name = serving.catalog.titles[row] ?? serving.catalog.itemIDs[row]
        switch strongest[Int32(source)] {
        case .purchase: return "because you bought \(name)"
        case .addToCart: return "because you added \(name) to your cart"
        case .rating: return "because you rated \(name)"
        default: return "because you were interested in \(name)"
        }
    }
}
