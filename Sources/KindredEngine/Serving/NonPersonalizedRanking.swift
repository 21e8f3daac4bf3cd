import KindredLearning
import KindredStore

/// The ranking for people the models know nothing about: a blend of trending and all-time
/// popularity, lifted by what is popular in the request's context: their country most, then
/// their device class and the part of the day. Each item's reason names what lifted it.
enum NonPersonalizedRanking {
    /// Context boosts: a listed item gains weight x (1 + its rank share), enough for a country
    /// list to lead and for device and daypart lists to reorder the rest.
    static let contextWeights: [(prefix: String, weight: Float)] = [("country", 2), ("device", 0.6), ("daypart", 0.4)]

    /// Fills `scores` for a request: the base, lifted by the request's context lists.
    static func fill(_ scores: inout [Float], serving: ServingModel, request: RecommendationRequest) {
        scores = serving.nonPersonalizedBase
        for (key, _, weight) in contexts(of: request) {
            guard let list = serving.popularByContext[key] else { continue }
            for (rank, item) in list.enumerated() where Int(item) < scores.count {
                scores[Int(item)] += weight * (1 + Float(list.count - rank) / Float(list.count))
            }
        }
    }

    /// Why the non-personalized ranking placed an item: the context list that lifted it most,
    /// or else trending or popular. Asked only for the items shown, so that the ranking itself
    /// builds no reasons.
    static func reason(for item: Int, serving: ServingModel, request: RecommendationRequest) -> String {
        var strongest: Float = 0
        var label: String?
        for (key, text, weight) in contexts(of: request) {
            guard let list = serving.popularByContext[key], let rank = list.firstIndex(of: Int32(item)) else { continue }
            let boost = weight * (1 + Float(list.count - rank) / Float(list.count))
            if boost > strongest {
                strongest = boost
                label = text
            }
        }
        return label ?? reason(for: item, serving: serving)
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
