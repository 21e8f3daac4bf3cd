import KindredLearning
import KindredStore

/// What the demo shows after importing the sample shop: every algorithm evaluated side by
/// side, a model trained and activated, and recommendations for a few customers.
public struct DemoShowcase: Sendable {
    public var evaluation: EvaluationReport
    public var training: TrainReport
    public var recommendations: [(user: String, response: RecommendationResponse)]
    public var similar: (item: String, response: RecommendationResponse)?

    /// The sample shop's customer ids, c00001 and so on: the demo shows the first three who
    /// have a history.
    static func sampleUser(_ number: Int) -> String {
        "c" + String(repeating: "0", count: max(0, 5 - String(number).count)) + String(number)
    }

    public static func run(engine: Engine, log: (String) -> Void) throws -> DemoShowcase {
        log("evaluating every algorithm on the last 30 days...")
        let evaluation = try engine.evaluate(EvaluationOptions())
        let best = evaluation.results.max { ($0.metrics.ndcg, $0.metrics.recall) < ($1.metrics.ndcg, $1.metrics.recall) }
        var options = TrainOptions()
        options.algorithm = AlgorithmSpec(name: best?.algorithm ?? "hybrid")
        log("training \(options.algorithm.name), the best on that test period, on all events...")
        let training = try engine.train(options)
        var recommendations: [(String, RecommendationResponse)] = []
        for number in 1...50 where recommendations.count < 3 {
            let response = try engine.recommend(RecommendationRequest(userID: sampleUser(number), k: 5))
            if response.personalized { recommendations.append((sampleUser(number), response)) }
        }
        var stranger = RecommendationRequest(userID: "someone-new", k: 5)
        stranger.country = "DE"
        recommendations.append(("someone-new (country DE)", try engine.recommend(stranger)))
        let item = recommendations.first?.1.items.first?.itemID
        let similar = try item.map { ($0, try engine.similarItems(to: $0, k: 5)) }
        return DemoShowcase(evaluation: evaluation, training: training, recommendations: recommendations, similar: similar)
    }
}
