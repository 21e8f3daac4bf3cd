import Foundation
import KindredLearning
import KindredStore

/// What a ranker learns from.
public enum RankerListSource: String, Sendable, Codable, CaseIterable {
    /// The lists the shop showed after the cut, when there are enough of them with an outcome;
    /// otherwise the purchases after the cut.
    case auto
    /// The lists shown to known people after the cut, labelled by what followed each item
    /// (purchase, cart, click, nothing) and weighted by the inverse of the probability with
    /// which an exploring list showed it.
    case impressions
    /// Each person's model candidates after the cut, labelled by what they then bought or
    /// carted (the next basket): what a shop that has served nothing yet can learn from.
    case purchases
}

/// A logged list turned into ranker rows, or why it could not be.
struct ImpressionRankerList {
    var features: [Float]
    var labels: [Float]
    var weights: [Float]
    var userPK: Int64
    var query: RankingQuery
    var candidates: [RankedItem]
}

extension Engine {
    /// The ranker's lists from what the shop showed after `split`'s cut: each list's known
    /// items, scored by `model` (fitted before the cut) for the person as they were when the
    /// list was shown (their events up to that moment folded in, as serving folds them), in
    /// the model's order, with the features serving computes (item facts as of the cut, the
    /// list's device and hour as context). Labels grade the outcome: 3 bought, 2 carted,
    /// 1 clicked, 0 nothing; an item with an outcome weighs 1 / (its logged probability x how
    /// often its place is looked at relative to the first, `PositionBias` from the explored
    /// draws), at most `options.propensityClip`: exploration's rare placements count for the
    /// lists that did not make them, and an outcome low in a list for the people who never
    /// scrolled that far. Positions are not features: they are what the ranker will change.
    func impressionRankerDataset(
        model: any RecommenderModel, spec: AlgorithmSpec, version: Int64, data: TrainingData, split: TimeSplit,
        logged: (lists: [ListWithOutcomes], shown: Int), options: RankerOptions, progress: (String) -> Void
    ) throws -> RankerDataset {
        let facts = try rerankerFacts(itemPKs: data.catalog.itemPKs, catalog: data.catalog, asOfMs: split.cutMs)
        let explored = try database.writer.read { db in try ExploredPlaces.counts(fromMs: split.cutMs + 1, toMs: .max, in: db) }
        let positionBias = PositionBias.fit(shown: explored.shown, clicked: explored.followed)
        progress("scoring \(logged.lists.count) shown lists with an outcome (of \(logged.shown) shown to known people after the cut)")
        let itemIndex = Dictionary(data.catalog.itemIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        // Each listed person's events, in time order, to rebuild their history at each list.
        var wanted: [Int32: [Int]] = [:]
        for list in logged.lists {
            if let row = data.userIndex[list.userPK] { wanted[row] = [] }
        }
        for index in 0..<data.log.count where wanted[data.log.users[index]] != nil {
            wanted[data.log.users[index]]!.append(index)
        }
        for (row, events) in wanted { wanted[row] = events.sorted { data.log.times[$0] < data.log.times[$1] } }
        let eventsOf = wanted
        let lists = logged.lists
        let cut = split.cutMs
        let weights = options.weights
        let clipValue = options.clip(forLists: logged.lists.count)
        let clip = Float(clipValue)
        var built = [ImpressionRankerList?](repeating: nil, count: lists.count)
        let workers = max(1, min(options.threads, lists.count))
        built.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            Parallel.run(workers: workers) { worker in
                var scores = [Float](repeating: 0, count: model.itemCount)
                var index = worker
                while index < lists.count {
                    out[index] = Self.rankerList(
                        lists[index], model: model, data: data, itemIndex: itemIndex, eventsOf: eventsOf, cutMs: cut, weights: weights,
                        facts: facts, clip: clip, positionBias: positionBias ?? .none, scores: &scores)
                    index += workers
                }
            }
        }
        var train = RankingDataset(featureCount: RerankerFeatures.count)
        var validation = RankingDataset(featureCount: RerankerFeatures.count)
        var dropped = 0
        var weighted = 0
        var samples: [(query: RankingQuery, candidates: [RankedItem])] = []
        for list in built {
            guard let list else {
                dropped += 1
                continue
            }
            weighted += list.weights.filter { $0 != 1 }.count
            if Self.holdsOut(user: Int(list.userPK), share: options.validationShare, seed: options.seed) {
                validation.appendGroup(features: list.features, labels: list.labels, weights: list.weights)
                if samples.count < 1_000 { samples.append((list.query, list.candidates)) }
            } else {
                train.appendGroup(features: list.features, labels: list.labels, weights: list.weights)
            }
        }
        // The stage is timed as serving runs it: on the model's top candidates for the person,
        // not on the ten a list showed.
        var scores = [Float](repeating: 0, count: model.itemCount)
        samples = samples.map { sample in
            model.score(user: sample.query.user, history: sample.query.history, into: &scores)
            let top = TopK.select(scores, k: options.candidates)
            return (sample.query, top.map { RankedItem(item: $0.item, score: $0.score, source: "model") })
        }
        var dataset = RankerDataset(
            train: train, validation: validation, modelVersion: version, spec: spec, split: split.method, cutMs: split.cutMs,
            droppedPeople: dropped, evaluablePeople: lists.count, missedRelevant: 0, stageSamples: samples, facts: facts)
        dataset.source = .impressions
        dataset.weightedRows = weighted
        dataset.shownLists = logged.shown
        dataset.positionBias = positionBias
        dataset.propensityClip = clipValue
        dataset.exploredDraws = (explored.shown.reduce(0, +), explored.followed.reduce(0, +))
        return dataset
    }

    /// One logged list's rows; nil when fewer than two of its items are known to the model or
    /// its labels are all equal (nothing to learn).
    static func rankerList(
        _ list: ListWithOutcomes, model: any RecommenderModel, data: TrainingData, itemIndex: [String: Int], eventsOf: [Int32: [Int]],
        cutMs: Int64, weights: EventWeights, facts: RerankerItemFacts, clip: Float, positionBias: PositionBias, scores: inout [Float]
    ) -> ImpressionRankerList? {
        let known = list.items.compactMap { shown in itemIndex[shown.itemID].map { (index: $0, shown: shown) } }
        guard known.count >= 2, Set(known.map(\.shown.outcome)).count > 1 else { return nil }
        // The person as serving saw them: their training row when nothing came after the cut,
        // otherwise their history up to the list, folded in.
        let row = data.userIndex[list.userPK]
        var sums: [Int32: Float] = [:]
        var sinceCut = false
        for event in row.flatMap({ eventsOf[$0] }) ?? [] {
            let time = data.log.times[event]
            guard time < list.timestampMs else { break }
            if time > cutMs { sinceCut = true }
            let w =
                weights.weight(data.log.kinds[event], value: data.log.values[event])
                * weights.decay(at: time, referenceTime: list.timestampMs)
            if w != 0 { sums[data.log.items[event], default: 0] += w }
        }
        let positive = sums.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        let history = SparseVector(indices: positive.map(\.key), values: positive.map(\.value))
        let query = RankingQuery(
            user: sinceCut ? nil : row.map(Int.init), history: history,
            context: RankingContext(atMs: list.timestampMs, localHour: nil, device: list.device))
        model.score(user: query.user, history: query.history, into: &scores)
        let order = known.indices.sorted {
            scores[known[$0].index] != scores[known[$1].index] ? scores[known[$0].index] > scores[known[$1].index] : $0 < $1
        }
        let candidates = order.map { RankedItem(item: known[$0].index, score: scores[known[$0].index], source: "model") }
        var features: [Float] = []
        features.reserveCapacity(candidates.count * RerankerFeatures.count)
        RerankerFeatures.append(
            candidates, person: .init(history: history, facts: facts, context: query.context), facts: facts, to: &features)
        let labels = order.map { Float(known[$0].shown.outcome) }
        let rowWeights = order.map { position -> Float in
            let shown = known[position].shown
            let propensity = shown.probability * positionBias.examination(atPosition: shown.position)
            return shown.outcome > 0 ? min(clip, Float(1 / propensity)) : 1
        }
        return ImpressionRankerList(
            features: features, labels: labels, weights: rowWeights, userPK: list.userPK, query: query, candidates: candidates)
    }
}
