import KindredEngine

/// Recommendation lists as people read them.
enum RecommendationText {
    static func render(_ response: RecommendationResponse) -> String {
        var lines = [
            "\(response.personalized ? "personalized" : "not personalized"); model "
                + (response.modelVersion.map { "version \($0) (\(response.algorithm))" } ?? "none yet")
        ]
        for (rank, item) in response.items.enumerated() {
            let title = item.title.map { " \($0)" } ?? ""
            lines.append("\(String(rank + 1).padding(toLength: 3, withPad: " ", startingAt: 0)) \(item.itemID)\(title): \(item.reason)")
        }
        if response.items.isEmpty { lines.append("(nothing matches the filters)") }
        return lines.joined(separator: "\n")
    }
}
