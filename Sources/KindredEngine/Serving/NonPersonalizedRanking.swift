import KindredLearning
import KindredStore

/// The ranking for people the models know nothing about: a blend of trending and all-time
/// popularity, lifted by what is popular in the request's context: their country most, then
/// their device class and the part of the day. Each item's reason names what lifted it.
enum NonPersonalizedRanking {
    /// Context boosts: a listed item gains weight x (1 + its rank share), enough for a country
    /// list to lead and for device and daypart lists to reorder the rest.
    static let contextWeights: [(prefix: String, weight: Float)] = [("country", 2), ("device", 0.6), ("daypart", 0.4)]

    /// The request-independent scores, computed once per model: half popularity and half
    /// trending, each scaled to its maximum; an item is "trending" when it is among the 50 most
    /// trending and more trending than popular.
    static func base(popularity: [Float], trending: [Float], count: Int) -> (scores: [Float], isTrending: [Bool]) {
        let popularityMax = max(popularity.max() ?? 0, 1e-9)
        let trendingMax = max(trending.max() ?? 0, 1e-9)
        let trendingTop = Set(TopK.select(trending, k: 50).map(\.item))
        var scores = [Float](repeating: 0, count: count)
        var isTrending = [Bool](repeating: false, count: count)
        for index in 0..<count {
            let popular = index < popularity.count ? popularity[index] / popularityMax : 0
            let recent = index < trending.count ? trending[index] / trendingMax : 0
            scores[index] = 0.5 * popular + 0.5 * recent
            isTrending[index] = trendingTop.contains(index) && recent > popular
        }
        return (scores, isTrending)
    }

    /// Fills `scores` for a request and returns the reasons of the items its context lifted;
    /// every other item's reason is `reason(for:)`.
    static func fill(_ scores: inout [Float], serving: ServingModel, request: RecommendationRequest) -> [Int: String] {
        scores = serving.nonPersonalizedBase
        var reasons: [Int: String] = [:]
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

    /// The reason of an item the context did not lift.
    static func reason(for item: Int, serving: ServingModel) -> String {
        serving.isTrending[item] ? "trending" : "popular"
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
