import Foundation
import KindredLearning
import KindredStore

/// The groups a bias report compares: items by category, price band, age and popularity;
/// people by device, country, tenure and segment.
enum BiasGroupings {
    static let newWithinMs: Int64 = 30 * 86_400_000

    static func items(_ data: TrainingData, popularity: [Double], cutMs: Int64) -> [Grouping] {
        let catalog = data.catalog
        let categories = ItemGroups.numbered(catalog.categories.map { $0?.lowercased() })
        var groupings = [Grouping(name: "category", groupNames: categories.names, groupOf: categories.numbers)]

        // Price quartiles of the priced items.
        let prices = catalog.prices.compactMap { $0 }.sorted()
        if prices.count >= 4 {
            let bounds = [0.25, 0.5, 0.75].map { Percentile.linear(prices, $0) }
            let names = [
                "up to \(money(bounds[0]))", "\(money(bounds[0])) to \(money(bounds[1]))", "\(money(bounds[1])) to \(money(bounds[2]))",
                "over \(money(bounds[2]))",
            ]
            let groupOf = catalog.prices.map { price -> Int32 in
                guard let price else { return -1 }
                return Int32(bounds.firstIndex { price <= $0 } ?? 3)
            }
            groupings.append(Grouping(name: "price_band", groupNames: names, groupOf: groupOf))
        }

        // New: in the shop (listed, or first interacted with, whichever is earlier; a catalog
        // imported after its sales knows its items only from the sales) within 30 days before
        // the cut; established: earlier; items that came after the cut are left out.
        var firstSeen = [Int64?](repeating: nil, count: catalog.count)
        for index in 0..<data.log.count where data.log.times[index] <= cutMs {
            let item = Int(data.log.items[index])
            if firstSeen[item] == nil || data.log.times[index] < firstSeen[item]! { firstSeen[item] = data.log.times[index] }
        }
        let ages = (0..<catalog.count).map { item -> Int32 in
            guard let since = [catalog.listedMs[item], firstSeen[item]].compactMap({ $0 }).min(), since <= cutMs else { return -1 }
            return since > cutMs - newWithinMs ? 0 : 1
        }
        groupings.append(Grouping(name: "item_age", groupNames: ["new (last 30 days)", "established"], groupOf: ages))

        // Popularity deciles: items ranked by people who interacted in training, in ten equal parts.
        let order = popularity.indices.sorted { (popularity[$0], -$0) > (popularity[$1], -$1) }
        var deciles = [Int32](repeating: 0, count: catalog.count)
        for (rank, item) in order.enumerated() { deciles[item] = Int32(rank * 10 / max(order.count, 1)) }
        groupings.append(
            Grouping(
                name: "popularity_decile", groupNames: (1...10).map { $0 == 1 ? "1 (most popular)" : $0 == 10 ? "10 (least)" : "\($0)" },
                groupOf: deciles))
        return groupings
    }

    /// `users` are the audited people's rows; each grouping has one entry per audited person.
    /// `segmentOf` maps a profile to the live cluster segment it is in now (each person is in
    /// at most one); without any, there is no segment grouping.
    static func people(_ data: TrainingData, users: [Int], cutMs: Int64, segmentOf: [Int64: String] = [:]) -> [Grouping] {
        // The device and country of each person's latest event before the cut, and their first event.
        var latest = [Int64](repeating: .min, count: data.userPKs.count)
        var device = [UInt8](repeating: 0, count: data.userPKs.count)
        var country = [Int16](repeating: 0, count: data.userPKs.count)
        var first = [Int64](repeating: .max, count: data.userPKs.count)
        for index in 0..<data.log.count where data.log.times[index] <= cutMs {
            let user = Int(data.log.users[index])
            guard user < data.userPKs.count else { continue }
            let time = data.log.times[index]
            first[user] = min(first[user], time)
            if time >= latest[user] {
                latest[user] = time
                if data.logDevices[index] != 0 { device[user] = data.logDevices[index] }
                if data.logCountries[index] != 0 { country[user] = data.logCountries[index] }
            }
        }
        let devices = Device.allCases.map(\.rawValue)
        let countries = data.countryNames
        var groupings = [
            Grouping(name: "device", groupNames: devices, groupOf: users.map { Int32(device[$0]) - 1 }),
            Grouping(name: "country", groupNames: countries, groupOf: users.map { Int32(country[$0]) - 1 }),
            Grouping(
                name: "tenure", groupNames: ["new (< 30 days)", "returning"],
                groupOf: users.map { first[$0] == .max ? -1 : (first[$0] > cutMs - newWithinMs ? 0 : 1) }),
        ]
        if !segmentOf.isEmpty {
            let segments = ItemGroups.numbered(users.map { segmentOf[data.userPKs[$0]] })
            groupings.append(Grouping(name: "segment", groupNames: segments.names, groupOf: segments.numbers))
        }
        return groupings
    }

    static func methods(resamples: Int) -> [String: String] {
        [
            "exposure": "position-discounted: 1 / log2(1 + rank) per place, summed over the audited people's lists, as a share of all",
            "catalog_share": "the group's items over the catalog's",
            "relevance_share": "the group's share of the items the audited people interacted with (purchase or cart) in the test days",
            "exposure_gini": "Gini index of the discounted exposure over every catalog item",
            "long_tail": "items outside the short head: the most popular items that together draw 80% of the training interactions",
            "accuracy": "recall@k and NDCG@k per person, averaged per group; percentile bootstrap intervals over \(resamples) resamples of each group's people",
            "gaps": "best group's mean less the worst's, among groups of at least min_people; the NDCG gap's interval from the same resamples",
            "equal_opportunity": "true positive rate per group, the share of its people's held-out items their lists found (sum of hits over sum of held-out items); the difference is the largest group's less the smallest's, as fairlearn's equal_opportunity_difference over one sample per held-out item",
            "demographic_parity": "selection rate per group, the share of the places of its people's lists that hold a long-tail item (the marked item group); the difference is the largest group's less the smallest's, as fairlearn's demographic_parity_difference over one sample per place",
        ]
    }

    static func money(_ value: Double) -> String { String(format: "%.2f", value) }
}
