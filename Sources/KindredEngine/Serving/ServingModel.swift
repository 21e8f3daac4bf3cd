import Foundation
import KindredLearning
import KindredStore

/// The active model loaded for serving, with everything a query needs in memory: the model,
/// its item and user indices, the non-personalized rankings, and the catalog for filters.
/// Immutable: a new version is loaded beside it and swapped in whole.
public final class ServingModel: @unchecked Sendable {
    public let record: ModelVersionRecord
    let model: any RecommenderModel
    let itemPKs: [Int64]
    let itemIndex: [Int64: Int32]
    /// The shop's item id -> model item, for exclusions and similar-item lookups.
    let itemIndexByID: [String: Int32]
    let userIndex: [Int64: Int32]
    let popularity: [Float]
    /// Per item: outside the short head of `popularity`, for the long-tail quota.
    let itemLongTail: [Bool]
    let trending: [Float]
    /// Context key ("country:de", "device:mobile", "daypart:evening") -> items popular in it.
    let popularByContext: [String: [Int32]]
    /// The request-independent part of the non-personalized ranking: half popularity, half
    /// trending (each scaled to its maximum), and which items lead on trending.
    let nonPersonalizedBase: [Float]
    let isTrending: [Bool]
    let weights: EventWeights
    let catalog: CatalogSnapshot
    /// Dense item index -> row in `catalog` (nil for an item since deleted).
    let catalogRow: [Int?]
    let catalogStamp: String?
    /// What each known person had done when the model was trained (weights, and net
    /// purchases), so that a query reads only the events that came after.
    let histories: SparseMatrix
    let purchases: SparseMatrix
    let historyRow: [Int64: Int32]
    /// Per model item, what business rules test, flat for speed: in stock, price (NaN when
    /// unknown), category number (-1 for none) into `categoryNames`.
    let itemInStock: [Bool]
    let itemPrice: [Double]
    let itemCategory: [Int32]
    let categoryNames: [String]
    /// Per model item, what a contextual bandit knows of it besides its rank.
    let banditFacts: [BanditItemFacts]
    /// Brand number per model item (-1 for none) into `brandNames`, lower-cased.
    let itemBrand: [Int32]
    let brandNames: [String]
    /// Per model item, its tags lower-cased once here, for rules that test them.
    let itemTags: [[String]]
    /// Per model item, when it entered the catalog and last came back into stock (-1: unknown):
    /// what the "new arrivals" and "back in stock" blocks offer.
    let itemListedMs: [Int64]
    let itemRestockedMs: [Int64]
    /// When the first item was listed: the shop's opening stock, which is not "new".
    let openingListedMs: Int64
    /// Items by listing time and by restock time, newest first: a block reads the head it needs.
    let listedNewestFirst: [Int]
    let restockedNewestFirst: [Int]
    /// The 200 most trending items, best first: the trending block without a segment.
    let trendingTop: [Int]
    /// Items x people who bought them at training time: what "frequently bought together" reads.
    let buyers: SparseMatrix
    /// What diversity re-ranking measures likeness by: the model's item vectors where it has
    /// them, otherwise a shared category.
    let similarity: any ItemSimilarity
    /// Similar-item lists as they are asked for (see `similarItems(to:count:)`).
    let similarCache = SimilarItemsCache()
    /// Business rules' item clauses worked out over this model's items.
    let ruleMasks = RuleItemMasks()
    /// The version's learned re-ranking stage (`kindred ranker train`), with the item facts it
    /// reads as of the load; nil when the version has none.
    let ranker: LearnedReranker?

    /// People whose vectors and histories serving must not use: those who withdrew
    /// personalization consent or were forgotten after the model was trained. The one part of
    /// a loaded model that changes, under its own lock.
    private let droppedLock = NSLock()
    private var droppedUsers = Set<Int64>()

    init(record: ModelVersionRecord, in db: StoreConnection) throws {
        self.record = record
        let version = record.version
        itemPKs = try ModelRegistry.readArtifact(version: version, name: "item_pks", in: db).map(FloatBlob.decodeInt64s) ?? []
        var index: [Int64: Int32] = [:]
        for (position, pk) in itemPKs.enumerated() { index[pk] = Int32(position) }
        itemIndex = index
        popularity = try ModelRegistry.readArtifact(version: version, name: "popularity", in: db).map(FloatBlob.decodeFloats) ?? []
        trending = try ModelRegistry.readArtifact(version: version, name: "trending", in: db).map(FloatBlob.decodeFloats) ?? popularity
        weights =
            try ModelRegistry.readArtifact(version: version, name: "event_weights", in: db)
            .flatMap { try? JSONDecoder().decode(EventWeights.self, from: $0) } ?? EventWeights()
        let parameters = ((try? JSONSerialization.jsonObject(with: Data(record.hyperparameters.utf8))) as? [String: Any] ?? [:])
            .compactMapValues { ($0 as? NSNumber)?.doubleValue }
        (model, userIndex) = try ModelCodec.load(
            algorithm: record.algorithm, parameters: parameters, version: version, itemPKs: itemPKs, popularity: popularity,
            trending: trending, in: db)
        catalog = try CatalogSnapshot.read(in: db)
        var rows: [Int64: Int] = [:]
        for (row, pk) in catalog.itemPKs.enumerated() { rows[pk] = row }
        catalogRow = itemPKs.map { rows[$0] }
        var byID: [String: Int32] = [:]
        for (index, row) in catalogRow.enumerated() { if let row { byID[catalog.itemIDs[row]] = Int32(index) } }
        itemIndexByID = byID
        (nonPersonalizedBase, isTrending) = PopularityBlend.base(popularity: popularity, trending: trending, count: itemPKs.count)
        let head = ExposureAudit.shortHead(popularity: popularity.map { Double($0) })
        itemLongTail = popularity.isEmpty ? [] : (0..<itemPKs.count).map { !head.contains($0) }
        var byContext: [String: [Int32]] = [:]
        if let data = try ModelRegistry.readArtifact(version: version, name: "popular_by_context", in: db),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: [NSNumber]]
        {
            for (key, pks) in object { byContext[key] = pks.compactMap { index[$0.int64Value] } }
        }
        popularByContext = byContext
        catalogStamp = try ServingModel.stamp(in: db)
        (itemInStock, itemPrice, itemCategory, categoryNames) = Self.flatCatalog(catalog, rows: catalogRow)
        banditFacts = BanditItemFacts.of(popularity: popularity, prices: itemPrice, categories: itemCategory, categoryNames: categoryNames)
        let snapshot = catalog
        (itemBrand, brandNames) = ItemGroups.numbered(catalogRow.map { $0.flatMap { snapshot.brands[$0] } })
        itemTags = catalogRow.map { row in row.map { snapshot.tags[$0].map { $0.lowercased() } } ?? [] }
        similarity = ItemEmbeddings.similarity(of: model) ?? GroupSimilarity(groups: itemCategory)
        itemListedMs = catalogRow.map { $0.flatMap { snapshot.listedMs[$0] } ?? -1 }
        itemRestockedMs = catalogRow.map { $0.flatMap { snapshot.restockedMs[$0] } ?? -1 }
        openingListedMs = snapshot.listedMs.compactMap { $0 }.min() ?? 0
        trendingTop = TopK.select(trending, k: 200).map(\.item)
        let listed = itemListedMs
        let restocked = itemRestockedMs
        listedNewestFirst = listed.indices.filter { listed[$0] >= 0 }.sorted { (listed[$0], -$0) > (listed[$1], -$1) }
        restockedNewestFirst = restocked.indices.filter { restocked[$0] >= 0 }.sorted { (restocked[$0], -$0) > (restocked[$1], -$1) }
        let consent = try ConsentFilter.read(purpose: "personalization", in: db)
        (histories, purchases, historyRow) = try Self.histories(
            through: record, itemIndex: index, weights: weights, includes: consent.allows,
            notInterested: try PreferenceStore.notInterestedItemPKs(in: db), in: db)
        droppedUsers = Set(userIndex.keys.filter { !consent.allows($0) })
        buyers = purchases.transposed()
        ranker = try Self.ranker(record: record, itemPKs: itemPKs, catalog: catalog, in: db)
    }

    /// What, besides the active version, makes a loaded model stale: a changed catalog or a
    /// ranker stored for the version after it was loaded.
    static func stamp(in db: StoreConnection) throws -> String? {
        let catalog = try SettingsStore.value("catalog.changed_ms", in: db)
        guard let ranker = try SettingsStore.value("ranker.changed_ms", in: db) else { return catalog }
        return "\(catalog ?? "")|\(ranker)"
    }

    /// The stored ranker, checked before it serves: trees that do not fit the features this
    /// binary computes are left out rather than trusted (a ranker learnt on fewer features, by
    /// a binary before some were appended, still fits: its trees read only the first ones). Its item facts are the feature store's
    /// through the last day the model was trained on (as training reads them up to its cut), so
    /// that a shop whose events stopped is not served facts of an empty month.
    private static func ranker(record: ModelVersionRecord, itemPKs: [Int64], catalog: CatalogSnapshot, in db: StoreConnection) throws
        -> LearnedReranker?
    {
        guard let data = try ModelRegistry.readArtifact(version: record.version, name: StoredRanker.artifact, in: db),
            let stored = try? JSONDecoder().decode(StoredRanker.self, from: data),
            RerankerFeatures.servesStored(features: stored.features), stored.model.isWellFormed(featureCount: stored.features.count)
        else { return nil }
        let now = WallClock.system.now()
        let facts = try Engine.rerankerFacts(
            itemPKs: itemPKs, catalog: catalog, asOfMs: record.dataToMs.map { $0 + 86_400_000 }, now: now, in: db)
        return LearnedReranker(model: stored.model, facts: facts, candidates: stored.candidates)
    }

    /// Drops a person's vector and history from use, at once.
    func drop(userPK: Int64) {
        droppedLock.withLock { _ = droppedUsers.insert(userPK) }
    }

    func isDropped(_ userPK: Int64) -> Bool {
        droppedLock.withLock { droppedUsers.contains(userPK) }
    }

    private static func flatCatalog(_ catalog: CatalogSnapshot, rows: [Int?]) -> ([Bool], [Double], [Int32], [String]) {
        let inStock = rows.map { $0.map { catalog.inStock[$0] } ?? false }
        let prices = rows.map { $0.flatMap { catalog.prices[$0] } ?? .nan }
        let (numbers, names) = ItemGroups.numbered(rows.map { $0.flatMap { catalog.categories[$0] } })
        return (inStock, prices, numbers, names)
    }

    /// Rebuilds the training-time user x item weights and net purchases.
    private static func histories(
        through record: ModelVersionRecord, itemIndex: [Int64: Int32], weights: EventWeights, includes: (Int64) -> Bool,
        notInterested: [Int64: Set<Int64>], in db: StoreConnection
    ) throws -> (SparseMatrix, SparseMatrix, [Int64: Int32]) {
        let columns = try EventColumnsReader.read(in: db, throughEventPK: record.dataMaxEventPK ?? 0)
        var rows: [Int64: Int32] = [:]
        var weighted: [(row: Int32, column: Int32, value: Float)] = []
        var bought: [(row: Int32, column: Int32, value: Float)] = []
        let reference = record.dataToMs ?? 0
        for index in 0..<columns.count where columns.userPKs[index] != 0 && includes(columns.userPKs[index]) {
            guard let item = itemIndex[columns.itemPKs[index]] else { continue }
            let row =
                rows[columns.userPKs[index]]
                ?? {
                    let next = Int32(rows.count)
                    rows[columns.userPKs[index]] = next
                    return next
                }()
            let kind = TrainingData.kindOfType[Int(columns.typeCodes[index])]
            // As training left it out (purchases still count as bought, for the filter).
            let unwanted = notInterested[columns.userPKs[index]]?.contains(columns.itemPKs[index]) ?? false
            let w =
                unwanted
                ? 0
                : weights.weight(kind, value: columns.values[index])
                    * weights.decay(at: columns.timestamps[index], referenceTime: reference)
            if w != 0 { weighted.append((row, item, w)) }
            if kind == .purchase { bought.append((row, item, 1)) }
            if kind == .return { bought.append((row, item, -1)) }
        }
        return (
            SparseMatrix(rows: rows.count, columns: itemIndex.count, entries: weighted, keepPositiveOnly: true),
            SparseMatrix(rows: rows.count, columns: itemIndex.count, entries: bought, keepPositiveOnly: true), rows
        )
    }

    var itemCount: Int { itemPKs.count }

    /// The model's similar items to `item`, held once asked for: every list is the same for
    /// everyone (filters and preferences apply after it).
    func similarItems(to item: Int, count: Int) -> [ScoredItem] {
        similarCache.similarItems(to: item, count: count, model: model)
    }

    /// The shop's id of a model item.
    func itemID(of item: Int) -> String {
        catalogRow[item].map { catalog.itemIDs[$0] } ?? String(itemPKs[item])
    }

    /// The explanation stage's output for one item: the catalog's words for it, its score and
    /// why it is there.
    func recommendation(item: Int, score: Float, reason: String) -> Recommendation {
        let row = catalogRow[item]
        return Recommendation(
            itemID: itemID(of: item), title: row.flatMap { catalog.titles[$0] },
            category: row.flatMap { catalog.categories[$0] }, price: row.flatMap { catalog.prices[$0] }, score: score, reason: reason)
    }
}
