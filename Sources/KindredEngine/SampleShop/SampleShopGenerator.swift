import Foundation
import KindredLearning
import KindredStore

/// Generates a synthetic shop (catalog, events, consent decisions) from a seed. Users have
/// latent tastes (two favourite categories and a favourite style) that drive what they view,
/// buy and rate, so that a personalized model has something real to find and can beat
/// popularity; item popularity follows a power law, as in real shops.
public struct SampleShopGenerator: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var users = 3_000
        public var items = 1_000
        public var events = 150_000
        public var days = 90
        /// The last day of the generated period (UTC midnight after it is the end).
        public var endDate = "2026-11-20"
        public var seed: UInt64 = 42
        /// Share of users who decline personalization.
        public var personalizationDeclineRate = 0.12

        public init() {}

        /// True for an end date the generator accepts: a valid `YYYY-MM-DD`.
        public static func isValidEndDate(_ text: String) -> Bool {
            guard text.count == 10, case .success = TimestampParser.parse(text) else { return false }
            return true
        }
    }

    public struct Item: Sendable {
        public var id: String
        public var title: String
        public var category: String
        public var tags: [String]
        public var brand: String
        public var price: Double
        public var inStock: Bool
    }

    public struct Event: Sendable {
        public var userID: String
        public var itemID: String?
        public var type: String
        public var timestampMs: Int64
        public var sessionID: String
        public var value: Double?
        public var price: Double?
        public var device: String
        public var country: String
        public var hour: Int
        public var referrer: String
    }

    public struct Consent: Sendable {
        public var userID: String
        public var purpose: String
        public var granted: Bool
        public var timestampMs: Int64
        public var source: String
        public var policyVersion: String
    }

    public struct Shop: Sendable {
        public var items: [Item]
        public var events: [Event]
        public var consents: [Consent]
        /// The truth behind the events: what `kindred simulate` draws its visitors from.
        public var tastes: ShopTastes
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// How a person's browsing spreads over categories: this share over all of them, plus
    /// these on their first and second favourite.
    static let baselineShare = 0.3
    static let favouriteShares = [0.45, 0.25]

    private struct User {
        var id: String
        var categoryWeights: AliasTable
        /// The first and second favourite, in that order.
        var favourites: [Int]
        var favouriteCategories: Set<Int>
        var style: Int
        var device: String
        var country: String
        var timeZoneHours: Int
        var peakHour: Int
        var activity: Double
        var firstDay: Int
    }

    public func generate() -> Shop {
        let config = configuration
        var random = SeededGenerator(seed: config.seed)
        let categories = SampleShopVocabulary.categories
        let items = makeItems(&random)
        let styles = 3

        // Item popularity: a power law over a random order, and per category.
        let order = Array(0..<items.count).shuffled(using: &random)
        var popularity = [Double](repeating: 0, count: items.count)
        for (rank, index) in order.enumerated() { popularity[index] = 1 / pow(Double(rank + 1), 0.85) }
        let globalPopularity = AliasTable(weights: popularity)
        let categoryIndex = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1.path, $0) })
        let itemCategory = items.map { categoryIndex[$0.category]! }
        let itemStyle = items.indices.map { Int(UInt64($0) &* 2_654_435_761 % UInt64(styles)) }
        var membersByCategory = [[Int]](repeating: [], count: categories.count)
        for (index, category) in itemCategory.enumerated() { membersByCategory[category].append(index) }
        let perCategory = membersByCategory.map { members in
            members.isEmpty ? nil : AliasTable(weights: members.map { popularity[$0] })
        }

        let users = makeUsers(&random, categoryCount: categories.count, styles: styles)
        let activity = AliasTable(weights: users.map(\.activity))
        let end = Self.millisecondsAtMidnight(after: config.endDate)
        let start = end - Int64(config.days) * 86_400_000

        var events: [Event] = []
        events.reserveCapacity(config.events + 64)
        var sessionNumber = 0
        while events.count < config.events {
            let userIndex = activity.sample(using: &random)
            let user = users[userIndex]
            sessionNumber += 1
            let sessionID = "s\(sessionNumber)"
            let day = user.firstDay + random.nextInt(below: max(1, config.days - user.firstDay))
            let localHour = (user.peakHour + Int((random.nextGaussian() * 2.5).rounded()) + 24) % 24
            var ts =
                start + Int64(day) * 86_400_000
                + Int64((localHour - user.timeZoneHours + 24) % 24) * 3_600_000
                + Int64(random.nextInt(below: 3_600_000))
            let device = random.nextUnit() < 0.85 ? user.device : ["mobile", "desktop", "tablet"][random.nextInt(below: 3)]
            let referrer = pick(SampleShopVocabulary.referrers.map { ($0.name, $0.share) }, &random)
            func emit(_ type: String, _ item: Int?, value: Double? = nil, price: Double? = nil, at time: Int64? = nil) {
                let when = time ?? ts
                let hour = Int(((when / 3_600_000) + Int64(user.timeZoneHours)) % 24)
                events.append(
                    Event(
                        userID: user.id, itemID: item.map { items[$0].id }, type: type, timestampMs: when,
                        sessionID: sessionID, value: value, price: price, device: device, country: user.country,
                        hour: hour, referrer: referrer))
            }
            func advance() { ts += Int64(5_000 + random.nextInt(below: 90_000)) }

            if random.nextUnit() < 0.15 { emit("search", nil); advance() }
            if random.nextUnit() < 0.10 {
                for _ in 0..<4 { emit("impression", globalPopularity.sample(using: &random)) }
                advance()
            }
            var cart: [Int] = []
            let views = 1 + Int(-log(1 - random.nextUnit()) * 3.5)
            for _ in 0..<views {
                let item: Int
                let category = user.categoryWeights.sample(using: &random)
                if random.nextUnit() < 0.75, let table = perCategory[category] {
                    item = membersByCategory[category][table.sample(using: &random)]
                } else {
                    item = globalPopularity.sample(using: &random)
                }
                let affinity =
                    (user.favouriteCategories.contains(itemCategory[item]) ? 1.0 : 0.3)
                    * (itemStyle[item] == user.style ? 1.6 : 0.8)
                if random.nextUnit() < 0.3 { emit("click", item); advance() }
                emit("view", item)
                advance()
                if random.nextUnit() < 0.45 {
                    emit("dwell", item, value: (exp(random.nextGaussian() * 0.6) * 20 * affinity).rounded())
                }
                if random.nextUnit() < 0.25 {
                    emit("scroll", item, value: (min(1, 0.25 + random.nextUnit() * 0.6 * affinity) * 100).rounded() / 100)
                }
                if random.nextUnit() < 0.07 * affinity {
                    emit("add_to_cart", item, value: 1, price: items[item].price)
                    cart.append(item)
                    advance()
                }
            }
            var bought: [Int] = []
            for item in cart {
                if random.nextUnit() < 0.12 {
                    emit("remove_from_cart", item, value: 1, price: items[item].price)
                } else if random.nextUnit() < 0.6 {
                    bought.append(item)
                }
            }
            for item in bought {
                let quantity = Double(1 + (random.nextUnit() < 0.2 ? random.nextInt(below: 4) : 0))
                emit("purchase", item, value: quantity, price: items[item].price)
            }
            for item in bought {
                let later = ts + Int64(2 + random.nextInt(below: 12)) * 86_400_000
                guard later < end else { continue }
                let liked = user.favouriteCategories.contains(itemCategory[item]) && itemStyle[item] == user.style
                if random.nextUnit() < 0.04 {
                    emit("return", item, value: 1, price: items[item].price, at: later)
                } else if random.nextUnit() < 0.2 {
                    let stars = liked ? 4 + random.nextInt(below: 2) : 2 + random.nextInt(below: 3)
                    emit("rating", item, value: Double(stars), at: later)
                }
            }
        }
        events.sort { ($0.timestampMs, $0.sessionID) < ($1.timestampMs, $1.sessionID) }
        let consents = makeConsents(users: users, start: start, end: end, &random)
        let tastes = ShopTastes(
            seed: config.seed, styles: styles, endMs: end, categories: categories.map(\.path),
            baselineCategoryShare: Self.baselineShare / Double(categories.count), favouriteShares: Self.favouriteShares,
            items: items.indices.map { .init(id: items[$0].id, category: itemCategory[$0], style: itemStyle[$0], popularity: (popularity[$0] * 1e6).rounded() / 1e6) },
            users: users.map { user in
                .init(
                    id: user.id, favouriteCategories: user.favourites,
                    style: user.style, device: user.device, country: user.country, timeZoneHours: user.timeZoneHours,
                    peakHour: user.peakHour, activity: (user.activity * 1e4).rounded() / 1e4)
            })
        return Shop(items: items, events: events, consents: consents, tastes: tastes)
    }

    private func makeItems(_ random: inout SeededGenerator) -> [Item] {
        let categories = SampleShopVocabulary.categories
        return (0..<configuration.items).map { index in
            let category = categories[random.nextInt(below: categories.count)]
            let adjective = SampleShopVocabulary.adjectives[random.nextInt(below: SampleShopVocabulary.adjectives.count)]
            let colour = SampleShopVocabulary.colours[random.nextInt(below: SampleShopVocabulary.colours.count)]
            let noun = category.nouns[random.nextInt(below: category.nouns.count)]
            var tags = [category.tags[random.nextInt(below: category.tags.count)], colour.lowercased()]
            let extra = category.tags[random.nextInt(below: category.tags.count)]
            if !tags.contains(extra) { tags.append(extra) }
            let price = (category.medianPrice * exp(random.nextGaussian() * 0.45) * 100).rounded() / 100
            return Item(
                id: String(format: "P%05d", index + 1), title: "\(adjective) \(colour) \(noun)", category: category.path,
                tags: tags, brand: SampleShopVocabulary.brands[random.nextInt(below: SampleShopVocabulary.brands.count)],
                price: max(0.5, price), inStock: random.nextUnit() < 0.95)
        }
    }

    private func makeUsers(_ random: inout SeededGenerator, categoryCount: Int, styles: Int) -> [User] {
        let zones = ["GB": 0, "IE": 0, "DE": 1, "FR": 1, "NL": 1, "ES": 1, "IT": 1, "US": -5]
        return (0..<configuration.users).map { index in
            let first = random.nextInt(below: categoryCount)
            var second = random.nextInt(below: categoryCount)
            if second == first { second = (second + 1) % categoryCount }
            var weights = [Double](repeating: Self.baselineShare / Double(categoryCount), count: categoryCount)
            weights[first] += Self.favouriteShares[0]
            weights[second] += Self.favouriteShares[1]
            let deviceRoll = random.nextUnit()
            let country = pick(SampleShopVocabulary.countries.map { ($0.code, $0.share) }, &random)
            let peaks = [8, 12, 13, 19, 20, 21, 22]
            return User(
                id: String(format: "c%05d", index + 1), categoryWeights: AliasTable(weights: weights), favourites: [first, second],
                favouriteCategories: [first, second], style: random.nextInt(below: styles),
                device: deviceRoll < 0.55 ? "mobile" : (deviceRoll < 0.9 ? "desktop" : "tablet"),
                country: country, timeZoneHours: zones[country] ?? 0,
                peakHour: peaks[random.nextInt(below: peaks.count)],
                activity: exp(random.nextGaussian() * 0.9),
                // Most customers are there from the start; the rest join during the period.
                firstDay: random.nextUnit() < 0.7 ? 0 : random.nextInt(below: max(1, configuration.days * 2 / 3)))
        }
    }

    private func makeConsents(users: [User], start: Int64, end: Int64, _ random: inout SeededGenerator) -> [Consent] {
        var consents: [Consent] = []
        for user in users {
            let decided = start + Int64(user.firstDay) * 86_400_000 + Int64(random.nextInt(below: 86_400_000))
            let source = random.nextUnit() < 0.8 ? "banner" : "account"
            let personalization = random.nextUnit() >= configuration.personalizationDeclineRate
            consents.append(
                Consent(
                    userID: user.id, purpose: "personalization", granted: personalization, timestampMs: decided, source: source,
                    policyVersion: "2026-06"))
            consents.append(
                Consent(
                    userID: user.id, purpose: "analytics", granted: random.nextUnit() < 0.85, timestampMs: decided, source: source,
                    policyVersion: "2026-06"))
            consents.append(
                Consent(
                    userID: user.id, purpose: "experiments", granted: random.nextUnit() < 0.7, timestampMs: decided, source: source,
                    policyVersion: "2026-06"))
            if personalization, random.nextUnit() < 0.03 {
                let later = min(end - 1, decided + Int64(1 + random.nextInt(below: 40)) * 86_400_000)
                consents.append(
                    Consent(
                        userID: user.id, purpose: "personalization", granted: false, timestampMs: later, source: "account",
                        policyVersion: "2026-06"))
            }
        }
        return consents.sorted { $0.timestampMs < $1.timestampMs }
    }

    /// The end of the generated period: midnight UTC after `date` (YYYY-MM-DD).
    static func millisecondsAtMidnight(after date: String) -> Int64 {
        guard case .success(let parsed) = TimestampParser.parse(date) else {
            preconditionFailure("endDate must be YYYY-MM-DD, got \(date)")
        }
        return parsed.milliseconds + 86_400_000
    }

    private func pick(_ choices: [(String, Double)], _ random: inout SeededGenerator) -> String {
        var roll = random.nextUnit() * choices.reduce(0) { $0 + $1.1 }
        for choice in choices {
            roll -= choice.1
            if roll < 0 { return choice.0 }
        }
        return choices[choices.count - 1].0
    }
}
