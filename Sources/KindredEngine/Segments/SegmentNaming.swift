import Foundation

/// Plain-language names for clusters, from the features that set them apart: a centroid's
/// standardized values say how many deviations from the shop's average its members are, so the
/// largest ones (in absolute value) are what a person would notice first.
enum SegmentNaming {
    /// What a feature far above or below average is called.
    static let words: [String: (high: String, low: String)] = [
        "recency_days": ("lapsed", "recent"),
        "frequency": ("frequent buyers", "rarely buy"),
        "monetary": ("high spend", "low spend"),
        "purchases": ("many purchases", "few purchases"),
        "average_order_value": ("high basket", "small basket"),
        "events": ("very active", "little activity"),
        "events_1d": ("active today", "not active today"),
        "events_7d": ("active this week", "quiet this week"),
        "events_30d": ("active this month", "quiet this month"),
        "active_days": ("many visits", "few visits"),
        "tenure_days": ("long-standing", "newcomers"),
        "sessions": ("many sessions", "few sessions"),
        "events_per_session": ("deep browsing", "quick visits"),
        "mean_dwell_seconds": ("long reads", "short reads"),
        "mean_scroll_depth": ("scroll far", "scroll little"),
        "top_category_share": ("focused", "broad interests"),
        "mean_price": ("premium", "budget"),
        "price_band": ("premium", "budget"),
        "desktop_share": ("desktop", "off desktop"),
        "mobile_share": ("mobile", "desktop"),
        "tablet_share": ("tablet", "off tablet"),
        "night_share": ("night owls", "not at night"),
        "morning_share": ("mornings", "not mornings"),
        "afternoon_share": ("afternoons", "not afternoons"),
        "evening_share": ("evening", "daytime"),
        "weekday_share": ("weekdays", "weekends"),
        "returning": ("returning", "new visitors"),
        "cart_abandonment_rate": ("abandon carts", "finish checkout"),
        "discount_share": ("bargain hunters", "pay full price"),
    ]

    /// Deviations from average a feature must reach to be named.
    static let threshold = 0.5

    /// "frequent buyers, high spend, evening, GB": up to three distinguishing features, then
    /// the members' common country and category when most of them share one.
    static func name(centroid: [Double], features: [String], country: String?, category: String?) -> String {
        // Largest first; equal ones in the order the features were asked for.
        let ranked = zip(features, centroid).enumerated().filter { abs($0.element.1) >= threshold }
            .sorted { abs($0.element.1) > abs($1.element.1) || (abs($0.element.1) == abs($1.element.1) && $0.offset < $1.offset) }
            .map(\.element)
        var parts: [String] = []
        for (feature, value) in ranked {
            let phrase: String
            if feature.hasPrefix("category:") {
                phrase = value > 0 ? "into \(feature.dropFirst("category:".count))" : "little \(feature.dropFirst("category:".count))"
            } else if let word = words[feature] {
                phrase = value > 0 ? word.high : word.low
            } else {
                phrase = (value > 0 ? "high " : "low ") + feature.replacingOccurrences(of: "_", with: " ")
            }
            if !parts.contains(phrase) { parts.append(phrase) }
            if parts.count == 3 { break }
        }
        if parts.isEmpty { parts.append("typical shoppers") }
        if let category { parts.append("into \(category)") }
        if let country { parts.append(country) }
        return parts.joined(separator: ", ")
    }

    /// The value most members share, when more than half of them do.
    static func majority(_ values: [String?]) -> String? {
        var counts: [String: Int] = [:]
        for case let value? in values { counts[value, default: 0] += 1 }
        guard let top = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }),
            top.value * 2 > values.count
        else { return nil }
        return top.key
    }
}
