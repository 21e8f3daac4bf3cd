import Foundation
import KindredLearning
import KindredStore

/// An algorithm by name with its hyper-parameters, as the CLI, the registry and the scheduler
/// name them: `als` with `factors=64,regularization=0.1`, and so on.
public struct AlgorithmSpec: Sendable, Codable, Hashable {
    public var name: String
    public var parameters: [String: Double]

    public init(name: String, parameters: [String: Double] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    /// Every algorithm Kindred has, with the parameters each accepts and their defaults.
    public static let known: [(name: String, parameters: [String: Double], summary: String)] = [
        ("popularity", [:], "distinct users per item (the baseline)"),
        ("trending", [:], "recency-weighted activity, 7-day half-life"),
        ("item-knn-cosine", ["neighbours": 50], "item-item cosine similarity of co-occurrence"),
        ("item-knn-bm25", ["neighbours": 50, "k1": 1.2, "b": 0.75], "item-item similarity on BM25-weighted co-occurrence"),
        ("als", ["factors": 64, "regularization": 0.1, "alpha": 1, "iterations": 15, "cg_steps": 3], "implicit ALS, conjugate gradient"),
        (
            "bpr", ["factors": 64, "learning_rate": 0.05, "regularization": 0.01, "epochs": 30, "popularity_sampling": 0],
            "Bayesian personalized ranking"
        ),
        ("content", ["neighbours": 50], "TF-IDF similarity of title, category and tags"),
        (
            "item2vec",
            [
                "factors": 64, "window": 5, "negatives": 5, "negative_exponent": 0.75, "subsampling": 0.001, "epochs": 10,
                "learning_rate": 0.025, "min_count": 1, "person_sequences": 0,
            ],
            "skip-gram with negative sampling over sessions; words place items without behaviour"
        ),
        (
            "ease", ["regularization": 500, "neighbours": 100, "max_items": 20_000],
            "closed-form item-item autoencoder (Steck 2019); dense, 8 bytes x items² while fitting"
        ),
        (
            "ncf",
            ["factors": 16, "layers": 2, "negatives": 4, "epochs": 10, "learning_rate": 0.05, "regularization": 0.001],
            "neural collaborative filtering (NeuMF: GMF and MLP towers, He et al. 2017), negative sampling"
        ),
        (
            "hybrid", ["factors": 64, "regularization": 0.1, "alpha": 1, "iterations": 15, "content_shrink": 5],
            "ALS blended with content for users and items with little history"
        ),
    ]

    public static var names: [String] { known.map(\.name) }

    /// The sequences the algorithm learns from, if any, so that training data builds them.
    public var sequenceGrouping: SequenceGrouping? { (try? make(threads: 1))?.sequenceGrouping }

    /// Whether a fit's time grows with the people it learns from. EASE's is the inverse of an
    /// items x items matrix and content's a pass over the catalog's words: a fit on a ninth of
    /// the people costs them about what a fit on everyone does, which the search's time budget
    /// must know (`SearchClock`).
    var fitTimeFollowsPeople: Bool { !["ease", "content"].contains(name) }

    /// Builds the algorithm; unknown names or parameters are errors that list what is known.
    /// `memo` shares content neighbours between the fits of one training run.
    /// `items`, when known, is the catalog the algorithm will fit: an algorithm whose memory
    /// grows with its square refuses a catalog beyond its `max_items` here, before any work.
    public func make(
        threads: Int = 2, seed: UInt64 = 42, memo: ContentMemo? = nil, items: Int? = nil
    ) throws(AlgorithmSpecError) -> any RecommenderAlgorithm {
        guard let entry = Self.known.first(where: { $0.name == name }) else { throw .unknownAlgorithm(name) }
        let accepted = Self.accepted(by: name)
        for key in parameters.keys where !accepted.contains(key) {
            throw .unknownParameter(algorithm: name, parameter: key, known: accepted.sorted())
        }
        let weight = parameters[Self.trendWeight] ?? 0
        guard weight.isFinite, weight >= 0, weight <= Self.largestTrendWeight else {
            throw .outOfRange(
                algorithm: name, parameter: Self.trendWeight, value: weight,
                expected: "from 0 to \(Self.largestTrendWeight.formatted()) (0: the model alone)")
        }
        let base = try AlgorithmSpec(name: name, parameters: parameters.filter { $0.key != Self.trendWeight })
            .makeBase(entry: entry, threads: threads, seed: seed, memo: memo, items: items)
        return weight > 0 ? TrendBlendAlgorithm(base: base, weight: Float(weight)) : base
    }

    /// The parameter every personalized algorithm takes besides its own: how much this week's
    /// trend counts beside the model (`TrendBlendAlgorithm`). It is not among the defaults of
    /// `known`: at 0 the model is served alone, and its spec reads as it always did.
    public static let trendWeight = "trend_weight"
    static let largestTrendWeight = 10.0
    /// The algorithms a trend can be blended with: all but the non-personalized ones.
    public static let blendable: Set<String> = Set(names).subtracting(["popularity", "trending"])

    /// The parameters the algorithm `name` takes: its own and, if it is personalized, the
    /// trend weight.
    public static func accepted(by name: String) -> Set<String> {
        let own = Set(known.first { $0.name == name }?.parameters.keys ?? [:].keys)
        return blendable.contains(name) ? own.union([trendWeight]) : own
    }

    /// The spec without its trend weight: what is fitted (the search scores one fit under
    /// several weights).
    var withoutTrend: AlgorithmSpec { AlgorithmSpec(name: name, parameters: parameters.filter { $0.key != Self.trendWeight }) }

    private func makeBase(
        entry: (name: String, parameters: [String: Double], summary: String), threads: Int, seed: UInt64, memo: ContentMemo?,
        items: Int?
    ) throws(AlgorithmSpecError) -> any RecommenderAlgorithm {
        let p = entry.parameters.merging(parameters) { _, new in new }
        func int(_ key: String) -> Int { Int(p[key]!.rounded()) }
        func float(_ key: String) -> Float { Float(p[key]!) }
        switch name {
        case "popularity": return PopularityAlgorithm(kind: .distinctUsers)
        case "trending": return PopularityAlgorithm(kind: .trending)
        case "item-knn-cosine": return ItemKNNAlgorithm(similarity: .cosine, neighbours: int("neighbours"), threads: threads)
        case "item-knn-bm25":
            return ItemKNNAlgorithm(similarity: .bm25, neighbours: int("neighbours"), k1: p["k1"]!, b: p["b"]!, threads: threads)
        case "als":
            return ALSAlgorithm(
                factors: int("factors"), regularization: float("regularization"), alpha: float("alpha"), iterations: int("iterations"),
                cgSteps: int("cg_steps"), threads: threads, seed: seed)
        case "bpr":
            return BPRAlgorithm(
                factors: int("factors"), learningRate: float("learning_rate"), regularization: float("regularization"),
                epochs: int("epochs"), popularitySampling: p["popularity_sampling"]! != 0, seed: seed)
        case "content": return ContentAlgorithm(neighbours: int("neighbours"), threads: threads, memo: memo)
        case "item2vec":
            guard p["person_sequences"] == 0 || p["person_sequences"] == 1 else {
                throw .outOfRange(
                    algorithm: name, parameter: "person_sequences", value: p["person_sequences"]!, expected: "0 (sessions) or 1")
            }
            for (key, lowest) in [("factors", 1.0), ("window", 1), ("negatives", 0), ("epochs", 1), ("min_count", 1), ("subsampling", 0)]
            where !(p[key]! >= lowest) {
                throw .outOfRange(algorithm: name, parameter: key, value: p[key]!, expected: "at least \(lowest.formatted())")
            }
            guard p["learning_rate"]! > 0, p["negative_exponent"]!.isFinite else {
                let key = p["learning_rate"]! > 0 ? "negative_exponent" : "learning_rate"
                throw .outOfRange(
                    algorithm: name, parameter: key, value: p[key]!, expected: key == "learning_rate" ? "above 0" : "a finite number")
            }
            var skipGram = SkipGramParameters()
            skipGram.dimensions = int("factors")
            skipGram.window = int("window")
            skipGram.negatives = int("negatives")
            skipGram.negativeExponent = p["negative_exponent"]!
            skipGram.subsampling = p["subsampling"]!
            skipGram.epochs = int("epochs")
            skipGram.learningRate = float("learning_rate")
            skipGram.minCount = int("min_count")
            return Item2VecAlgorithm(
                parameters: skipGram, grouping: p["person_sequences"] == 1 ? .people : .sessions, threads: threads, seed: seed)
        case "ease":
            guard p["regularization"]! > 0, p["regularization"]!.isFinite else {
                throw .outOfRange(algorithm: name, parameter: "regularization", value: p["regularization"]!, expected: "above 0")
            }
            guard p["neighbours"]! >= 1 else {
                throw .outOfRange(algorithm: name, parameter: "neighbours", value: p["neighbours"]!, expected: "at least 1")
            }
            if let items, items > int("max_items") {
                throw .catalogTooLarge(
                    algorithm: name, items: items, maxItems: int("max_items"), bytes: EASEAlgorithm.bytesNeeded(items: items))
            }
            return EASEAlgorithm(regularization: float("regularization"), neighbours: int("neighbours"), threads: threads)
        case "ncf":
            for (key, lowest, highest) in [("factors", 1.0, 256.0), ("layers", 1, 4), ("negatives", 1, 50), ("epochs", 1, 1000)]
            where !(p[key]! >= lowest && p[key]! <= highest) {
                throw .outOfRange(
                    algorithm: name, parameter: key, value: p[key]!, expected: "from \(lowest.formatted()) to \(highest.formatted())")
            }
            for key in ["learning_rate", "regularization"]
            where !(p[key]!.isFinite && p[key]! >= (key == "learning_rate" ? .leastNonzeroMagnitude : 0)) {
                throw .outOfRange(
                    algorithm: name, parameter: key, value: p[key]!, expected: key == "learning_rate" ? "above 0" : "at least 0")
            }
            var neural = NeuralCFParameters()
            neural.factors = int("factors")
            neural.layers = int("layers")
            neural.negatives = int("negatives")
            neural.epochs = int("epochs")
            neural.learningRate = float("learning_rate")
            neural.regularization = float("regularization")
            return NeuralCFAlgorithm(parameters: neural, threads: threads, seed: seed)
        case "hybrid":
            return HybridAlgorithm(
                collaborative: ALSAlgorithm(
                    factors: int("factors"), regularization: float("regularization"), alpha: float("alpha"),
                    iterations: int("iterations"), threads: threads, seed: seed),
                content: ContentAlgorithm(threads: threads, memo: memo), contentShrink: float("content_shrink"))
        default: throw .unknownAlgorithm(name)
        }
    }

    /// Parameters that guard a run rather than shape the model: the algorithm does not know
    /// them, but the registry must keep them so that the hourly retrain is held to the same.
    static let guardParameters: Set<String> = ["max_items"]

    /// What is recorded for a fitted `algorithm` of this spec: its hyper-parameters and the
    /// spec's guards (with their defaults written out).
    func recordedParameters(of algorithm: any RecommenderAlgorithm) -> [String: Double] {
        let guards = normalized.parameters.filter { Self.guardParameters.contains($0.key) }
        return algorithm.hyperparameters.merging(guards) { mine, _ in mine }
    }

    /// Refuses, as a data error naming the database, an algorithm this catalog is too large for:
    /// the data, not the request, is what stands in the way, so the CLI exits 65, the API answers
    /// 409 and the scheduler records the run as one the data cannot train.
    func checkFits(items: Int, database: String) throws {
        do {
            _ = try make(threads: 1, items: items)
        } catch let error {
            guard case .catalogTooLarge = error else { throw error }
            throw DataError(file: database, field: "algorithm", message: error.description)
        }
    }

    /// Parses `key=value,...` into numbers, without checking the names.
    public static func parameters(from text: String?) throws(AlgorithmSpecError) -> [String: Double] {
        var parameters: [String: Double] = [:]
        for pair in (text ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Double(parts[1]) else { throw .malformedParameter(String(pair)) }
            parameters[String(parts[0])] = value
        }
        return parameters
    }

    /// Parses `name` and `key=value,...`, checking both against what the algorithm takes.
    public static func parse(name: String, parameters text: String?) throws(AlgorithmSpecError) -> AlgorithmSpec {
        let spec = AlgorithmSpec(name: name, parameters: try parameters(from: text))
        _ = try spec.make()
        return spec
    }
}

public enum AlgorithmSpecError: Error, Equatable, CustomStringConvertible {
    case unknownAlgorithm(String)
    case unknownParameter(algorithm: String, parameter: String, known: [String])
    case malformedParameter(String)
    case outOfRange(algorithm: String, parameter: String, value: Double, expected: String)
    case catalogTooLarge(algorithm: String, items: Int, maxItems: Int, bytes: Int)

    public var description: String {
        switch self {
        case .unknownAlgorithm(let name):
            return "unknown algorithm '\(name)'; known: \(AlgorithmSpec.names.joined(separator: ", "))"
        case .unknownParameter(let algorithm, let parameter, let known):
            return "\(algorithm) has no parameter '\(parameter)'" + (known.isEmpty ? "" : "; it takes \(known.joined(separator: ", "))")
        case .malformedParameter(let pair):
            return "'\(pair)' is not of the form name=number"
        case .outOfRange(let algorithm, let parameter, let value, let expected):
            return "\(algorithm) parameter '\(parameter)' is \(value.formatted()); it must be \(expected)"
        case .catalogTooLarge(let algorithm, let items, let maxItems, let bytes):
            let gigabytes = (Double(bytes) / 1_073_741_824).formatted(.number.precision(.fractionLength(1)))
            return
                "\(algorithm) fits a dense items x items matrix: \(items.formatted()) items need \(gigabytes) GiB, above its max_items of \(maxItems.formatted()); raise max_items if the machine has the memory, or use als or item-knn-bm25, which grow with the events"
        }
    }
}
