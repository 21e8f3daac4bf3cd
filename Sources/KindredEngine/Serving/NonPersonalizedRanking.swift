import KindredLearning
import KindredStore

/// The ranking for people the models know nothing about: a blend of trending and all-time
/// popularity, lifted by what is popular in the request's context: their country most, then
/// their device class and the part of the day. Each item's reason names what lifted it.
enum NonPersonalizedRanking {
    /// Context boosts: a listed item gains weight x (1 + its rank share), enough for a country
    /// list to lead and for device and daypart lists to reorder the rest.
    static let contextWeights: [(prefix: String, weight: Float)] = [("country", 2), ("device", 0.6), ("daypart", 0.4)]

    /// Fills `scores` and returns the reason for every item.
    static func fill(_ scores: inout [Float], serving: ServingModel, request: RecommendationRequest) -> [Int: String] {
        let popularityMax = max(serving.popularity.max() ?? 0, 1e-9)
        let trendingMax = max(serving.trending.max() ?? 0, 1e-9)
        var reasons: [Int: String] = [:]
        let trendingTop = Set(TopK.select(serving.trending, k: 50).map(\.item))
        for index in 0..<scores.count {
            let popular = index < serving.popularity.count ? serving.popularity[index] / popularityMax : 0
            let trending = index < serving.trending.count ? serving.trending[index] / trendingMax : 0
            scores[index] = 0.5 * popular + 0.5 * trending
            reasons[index] = trendingTop.contains(index) && trending > popular ? "trending" : "popular"
        }
        var strongest: [Int: Float] = [:]
        for (key, label, weight) in contexts(of: request) {
            guard let list = serving.popularByContext[key] else { continue }
            for (rank, item) in list.enumerated() where Int(item) < scores.count {
                let boost = weight * (1 + Float(list.count - rank) / Float(list.count))
                scores[Int(item)] += boost
                if boost > strongest[Int(item), default: 0] {
                    strongest[Int(item)] = boost
                    reasons[Int(item)] = label
                }
            }
        }
        return reasons
    }

    /// The context keys of a request with their reason text and weight.
    static func contexts(of request: RecommendationRequest) -> [(key: String, label: String, weight: Float)] {
        var result: [(String, String, Float)] = []
        if let country = request.country, !country.isEmpty {
            result.append(("country:" + country.lowercased(), "popular in \(country)", contextWeights[0].weight))
        }
        if let device = request.device.flatMap(Device.init(loosely:)) {
            result.append(("device:" + device.rawValue, "popular on \(device.rawValue)", contextWeights[1].weight))
        }
        if let hour = request.hour, (0...23).contains(hour) {
            let part = TrainingData.daypart(hour: hour)
            result.append(("daypart:" + part, part == "night" ? "popular at night" : "popular in the \(part)", contextWeights[2].weight))
        }
        return result
    }
}
