import Foundation
import KindredLearning
import KindredStore

/// Saves fitted models into the registry and loads them back. Factor models keep one
/// Float32 vector per item and per (real) user, so that erasing a person removes their
/// vector; neighbour lists, popularity and biases are artifacts.
enum ModelCodec {
    /// Neighbour lists: per item, an Int32 count then that many (Int32 item, Float32 score).
    static func encodeNeighbours(_ lists: [[ScoredItem]]) -> Data {
        var ints: [Int32] = []
        for list in lists {
            ints.append(Int32(list.count))
            for entry in list {
                ints.append(Int32(entry.item))
                ints.append(Int32(bitPattern: entry.score.bitPattern))
            }
        }
        return FloatBlob.encode(ints)
    }

    static func decodeNeighbours(_ data: Data, items: Int) -> [[ScoredItem]] {
        let ints = FloatBlob.decodeInt32s(data)
        var lists: [[ScoredItem]] = []
        lists.reserveCapacity(items)
        var cursor = 0
        while cursor < ints.count, lists.count < items {
            let count = Int(ints[cursor])
            cursor += 1
            var list: [ScoredItem] = []
            list.reserveCapacity(count)
            for _ in 0..<count {
                list.append(ScoredItem(item: Int(ints[cursor]), score: Float(bitPattern: UInt32(bitPattern: ints[cursor + 1]))))
                cursor += 2
            }
            lists.append(list)
        }
        return lists
    }

    /// Writes the model's parts for `version`. `userPKs` are the real users, in row order; the
    /// vectors of those not in `present` (erased while the model trained) are left out.
    static func save(
        _ model: any RecommenderModel, version: Int64, itemPKs: [Int64], userPKs: [Int64], present: Set<Int64>, in db: StoreConnection
    ) throws {
        switch model {
        case let blend as TrendBlendModel:
            // The weight is a hyper-parameter and the trend the version's `trending` artifact.
            try save(blend.base, version: version, itemPKs: itemPKs, userPKs: userPKs, present: present, in: db)
        case let mf as MatrixFactorizationModel:
            try saveFactors(mf, version: version, itemPKs: itemPKs, userPKs: userPKs, present: present, in: db)
        case let knn as ItemKNNModel:
            try ModelRegistry.writeArtifact(
                version: version, name: "neighbours", encoding: "neighbours-int32-float32le", data: encodeNeighbours(knn.neighbours), in: db
            )
        case let hybrid as HybridModel:
            try saveFactors(hybrid.collaborative, version: version, itemPKs: itemPKs, userPKs: userPKs, present: present, in: db)
            try ModelRegistry.writeArtifact(
                version: version, name: "content_neighbours", encoding: "neighbours-int32-float32le",
                data: encodeNeighbours(hybrid.content.neighbours), in: db)
        case let item2vec as Item2VecModel:
            // Item vectors only: a person is the mean direction of their history, at query time.
            try ModelRegistry.writeItemVectors(
                version: version, itemPKs: itemPKs, vectors: item2vec.vectors, dimension: item2vec.dimensions, in: db)
            let placed = item2vec.placedByWords.indices.filter { item2vec.placedByWords[$0] }.map { Int32($0) }
            try ModelRegistry.writeArtifact(
                version: version, name: "placed_by_words", encoding: "int32le", data: FloatBlob.encode(placed), in: db)
        case let neural as NeuralCFModel:
            // Rows hold both towers' embeddings (GMF then MLP); the layers are one artifact.
            let rows = neural.weights
            try ModelRegistry.writeItemVectors(
                version: version, itemPKs: itemPKs, vectors: rows.items, dimension: rows.shape.rowLength, in: db)
            try saveUserRows(rows.users, dimension: rows.shape.rowLength, version: version, userPKs: userPKs, present: present, in: db)
            try ModelRegistry.writeArtifact(
                version: version, name: "ncf_dense", encoding: "float32le", data: FloatBlob.encode(rows.dense), in: db)
        case is PopularityModel:
            break  // the popularity artifact every version has is the model
        default:
            preconditionFailure("no codec for \(type(of: model))")
        }
    }

    private static func saveFactors(
        _ mf: MatrixFactorizationModel, version: Int64, itemPKs: [Int64], userPKs: [Int64], present: Set<Int64>, in db: StoreConnection
    ) throws {
        try ModelRegistry.writeItemVectors(version: version, itemPKs: itemPKs, vectors: mf.itemFactors, dimension: mf.factors, in: db)
        try saveUserRows(mf.userFactors, dimension: mf.factors, version: version, userPKs: userPKs, present: present, in: db)
        if !mf.itemBias.isEmpty {
            try ModelRegistry.writeArtifact(
                version: version, name: "item_bias", encoding: "float32le", data: FloatBlob.encode(mf.itemBias), in: db)
        }
    }

    /// One vector per real user still present, in `userPKs` order.
    private static func saveUserRows(
        _ rows: [Float], dimension f: Int, version: Int64, userPKs: [Int64], present: Set<Int64>, in db: StoreConnection
    ) throws {
        var keptPKs: [Int64] = []
        var kept: [Float] = []
        keptPKs.reserveCapacity(userPKs.count)
        kept.reserveCapacity(userPKs.count * f)
        for (row, pk) in userPKs.enumerated() where present.contains(pk) {
            keptPKs.append(pk)
            kept += rows[(row * f)..<((row + 1) * f)]
        }
        try ModelRegistry.writeUserVectors(version: version, userPKs: keptPKs, vectors: kept, dimension: f, in: db)
    }

    /// Rebuilds a model from the registry. Items are in `itemPKs` order; users who are no
    /// longer in the database (erased) are simply absent. A version with a `trend_weight` is
    /// served blended with its `trending` artifact, as it was validated.
    static func load(
        algorithm: String, parameters: [String: Double], version: Int64, itemPKs: [Int64], popularity: [Float], trending: [Float],
        in db: StoreConnection
    ) throws -> (model: any RecommenderModel, userIndex: [Int64: Int32]) {
        let (model, users) = try loadBase(
            algorithm: algorithm, parameters: parameters, version: version, itemPKs: itemPKs, popularity: popularity, in: db)
        guard let weight = parameters[AlgorithmSpec.trendWeight], weight > 0, AlgorithmSpec.blendable.contains(algorithm) else {
            return (model, users)
        }
        return (TrendBlendModel(base: model, trending: trending, weight: Float(weight)), users)
    }

    private static func loadBase(
        algorithm: String, parameters: [String: Double], version: Int64, itemPKs: [Int64], popularity: [Float], in db: StoreConnection
    ) throws -> (model: any RecommenderModel, userIndex: [Int64: Int32]) {
        switch algorithm {
        case "popularity", "trending":
            return (PopularityModel(popularity: popularity), [:])
        case "item-knn-cosine", "item-knn-bm25", "content", "ease":
            let data = try ModelRegistry.readArtifact(version: version, name: "neighbours", in: db) ?? Data()
            return (ItemKNNModel(neighbours: decodeNeighbours(data, items: itemPKs.count)), [:])
        case "als", "bpr":
            let (mf, users) = try loadFactors(version: version, itemPKs: itemPKs, parameters: parameters, in: db)
            return (mf, users)
        case "item2vec":
            let (vectors, dimensions) = try loadItemVectors(version: version, itemPKs: itemPKs, parameters: parameters, in: db)
            var placed = [Bool](repeating: false, count: itemPKs.count)
            let indices =
                try ModelRegistry.readArtifact(version: version, name: "placed_by_words", in: db).map(FloatBlob.decodeInt32s) ?? []
            for index in indices where Int(index) < placed.count { placed[Int(index)] = true }
            return (Item2VecModel(vectors: vectors, dimensions: dimensions, placedByWords: placed), [:])
        case "ncf":
            return try loadNeuralCF(version: version, itemPKs: itemPKs, parameters: parameters, in: db)
        case "hybrid":
            let (mf, users) = try loadFactors(version: version, itemPKs: itemPKs, parameters: parameters, in: db)
            let data = try ModelRegistry.readArtifact(version: version, name: "content_neighbours", in: db) ?? Data()
            let content = ItemKNNModel(neighbours: decodeNeighbours(data, items: itemPKs.count))
            return (
                HybridModel(
                    collaborative: mf, content: content, popularity: popularity, contentShrink: Float(parameters["content_shrink"] ?? 5)),
                users
            )
        default:
            throw DataError(
                file: "model_versions", field: "algorithm", message: "version \(version) has an unknown algorithm '\(algorithm)'")
        }
    }

    /// The stored item vectors in `itemPKs` order (zero rows for items without one).
    private static func loadItemVectors(
        version: Int64, itemPKs: [Int64], parameters: [String: Double], in db: StoreConnection
    ) throws -> (vectors: [Float], dimensions: Int) {
        let items = try ModelRegistry.readItemVectors(version: version, in: db)
        let factors = items.first?.vector.count ?? Int(parameters["factors"] ?? 64)
        var itemFactors = [Float](repeating: 0, count: itemPKs.count * factors)
        var position: [Int64: Int] = [:]
        for (index, pk) in itemPKs.enumerated() { position[pk] = index }
        for (pk, vector) in items {
            if let index = position[pk] { itemFactors.replaceSubrange((index * factors)..<((index + 1) * factors), with: vector) }
        }
        return (itemFactors, factors)
    }

    private static func loadNeuralCF(
        version: Int64, itemPKs: [Int64], parameters: [String: Double], in db: StoreConnection
    ) throws -> (model: any RecommenderModel, userIndex: [Int64: Int32]) {
        let shape = NeuralCFShape(factors: max(1, Int(parameters["factors"] ?? 16)), layers: max(1, Int(parameters["layers"] ?? 2)))
        let dense = try ModelRegistry.readArtifact(version: version, name: "ncf_dense", in: db).map(FloatBlob.decodeFloats) ?? []
        guard dense.count == shape.denseCount else {
            throw DataError(
                file: "model_artifacts", field: "ncf_dense",
                message:
                    "version \(version) holds \(dense.count) network parameters; factors \(shape.factors) and layers \(shape.layers) need \(shape.denseCount)"
            )
        }
        var items = [Float](repeating: 0, count: itemPKs.count * shape.rowLength)
        var position: [Int64: Int] = [:]
        for (index, pk) in itemPKs.enumerated() { position[pk] = index }
        for (pk, vector) in try ModelRegistry.readItemVectors(version: version, in: db) where vector.count == shape.rowLength {
            if let index = position[pk] { items.replaceSubrange((index * shape.rowLength)..<((index + 1) * shape.rowLength), with: vector) }
        }
        var users: [Float] = []
        var userIndex: [Int64: Int32] = [:]
        for (pk, vector) in try ModelRegistry.readUserVectors(version: version, in: db) where vector.count == shape.rowLength {
            userIndex[pk] = Int32(userIndex.count)
            users += vector
        }
        let weights = NeuralCFWeights(shape: shape, users: users, items: items, dense: dense)
        let model = NeuralCFModel(
            weights: weights, negatives: Int(parameters["negatives"] ?? 4), regularization: Float(parameters["regularization"] ?? 0.0001))
        return (model, userIndex)
    }

    private static func loadFactors(
        version: Int64, itemPKs: [Int64], parameters: [String: Double], in db: StoreConnection
    ) throws -> (MatrixFactorizationModel, [Int64: Int32]) {
        let (itemFactors, factors) = try loadItemVectors(version: version, itemPKs: itemPKs, parameters: parameters, in: db)
        var userFactors: [Float] = []
        var userIndex: [Int64: Int32] = [:]
        for (pk, vector) in try ModelRegistry.readUserVectors(version: version, in: db) {
            userIndex[pk] = Int32(userIndex.count)
            userFactors += vector
        }
        let bias = try ModelRegistry.readArtifact(version: version, name: "item_bias", in: db).map(FloatBlob.decodeFloats) ?? []
        let mf = MatrixFactorizationModel(
            userFactors: userFactors, itemFactors: itemFactors, itemBias: bias, factors: factors,
            regularization: Float(parameters["regularization"] ?? 0.1), alpha: Float(parameters["alpha"] ?? 1))
        return (mf, userIndex)
    }
}
