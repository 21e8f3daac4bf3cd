import Foundation
import GRDB
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// The contextual bandit in serving: versions in the database, decisions logged with their
/// probabilities and replayed from the log, learning from outcomes by request id, and lists that
/// change with the context for the same person.
@Suite struct ContextualBanditTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    func request(_ user: String, device: String, hour: Int, k: Int = 5) -> RecommendationRequest {
        var request = RecommendationRequest(userID: user, k: k)
        request.device = device
        request.hour = hour
        request.country = "GB"
        return request
    }

    func log(_ records: [ImpressionRecord]) throws {
        try engine.database.writer.write { db in try ImpressionStore.write(records, in: db) }
    }

    func click(_ clicks: [(user: String, item: String, requestID: String)]) throws {
        guard !clicks.isEmpty else { return }
        var csv = "user_id,item_id,type,ts,request_id\n"
        for click in clicks { csv += "\(click.user),\(click.item),click,2026-11-24T12:00:00Z,\(click.requestID)\n" }
        let path = directory.write("clicks-\(UUID().uuidString).csv", csv)
        _ = try engine.importFile(at: path, request: ImportRequest(kind: .events, fileName: path, format: .csv))
    }

    @Test(arguments: ["thompson", "softmax", "linucb", "contextual"])
    func aBanditPolicyLogsDecisionsThatReplayExactly(policy: String) throws {
        _ = try engine.setSetting("exploration.recommendations.policy", to: policy)
        _ = try engine.setSetting("exploration.recommendations.temperature", to: "0.02")
        _ = try engine.setSetting("exploration.recommendations.scale", to: "0.3")
        let version = try #require(try engine.banditStatus().first)
        #expect(version.status == "active" && version.surface == "recommendations" && version.policy == policy)
        var records: [ImpressionRecord] = []
        for number in 1...30 {
            let (response, record) = try engine.recommendForDisplay(request(String(format: "c%05d", number), device: number % 2 == 0 ? "mobile" : "desktop", hour: number % 24))
            let object = try JSONSerialization.jsonObject(with: Data(try #require(record.exploration).utf8)) as! [String: Any]
            #expect(object["policy"] as? String == policy)
            #expect(object["bandit_version"] as? Int == Int(version.version))
            #expect((object["arms"] as? [Any])?.count == (object["pool"] as? [Any])?.count)
            #expect(response.items.allSatisfy { ($0.probability ?? 0) > 0 && ($0.probability ?? 2) <= 1 })
            if policy == "contextual" || policy == "linucb" { #expect(record.items.allSatisfy { $0.probability == 1 }) }
            records.append(record)
        }
        try log(records)
        // Learn from some of them, then show more, decided by a state that has learned.
        try click(records.prefix(15).map { (String(format: "c%05d", 1), $0.items[1].itemID, $0.requestID) })
        let update = try #require(try engine.updateBandits().first)
        #expect(update.displays == 150 && update.outcomes == 15)
        var later: [ImpressionRecord] = []
        for number in 31...40 { later.append(try engine.recommendForDisplay(request(String(format: "c%05d", number), device: "mobile", hour: 8)).1) }
        try log(later)
        _ = try engine.updateBandits()
        for record in records + later {
            let replay = try engine.replayList(requestID: record.requestID)
            #expect(replay.reproduced, "\(policy) \(record.requestID): \(replay.logged) vs \(replay.replayed)")
        }
    }

    /// A probability edited in the log no longer replays: the test that would fail if serving
    /// logged a wrong one.
    @Test func aWrongProbabilityDoesNotReplay() throws {
        _ = try engine.setSetting("exploration.recommendations.policy", to: "softmax")
        let (_, record) = try engine.recommendForDisplay(request("c00007", device: "tablet", hour: 15))
        try log([record])
        #expect(try engine.replayList(requestID: record.requestID).reproduced)
        try engine.database.writer.write { db in
            try db.execute(
                sql: "UPDATE impressions SET items = json_set(items, '$[2].probability', json_extract(items, '$[2].probability') * 1.001) WHERE request_id = ?",
                arguments: [record.requestID])
        }
        #expect(try !engine.replayList(requestID: record.requestID).reproduced)
        #expect { try engine.replayList(requestID: "no-such-list") } throws: { ($0 as? RequestProblem)?.code == "unknown_request" }
    }

    /// Phones in the morning click one category, desktops in the evening another. After the
    /// bandit has learned, the same person's list leads with more of the first on a phone at
    /// 8 am and more of the second on a desktop at 9 pm.
    @Test func whatTheBanditLearnsMakesOnePersonsListsDifferByContext() throws {
        _ = try engine.setSetting("exploration.recommendations.policy", to: "softmax")
        _ = try engine.setSetting("exploration.recommendations.temperature", to: "0.05")
        _ = try engine.setSetting("exploration.recommendations.pool", to: "30")
        let categories = try engine.recommend(RecommendationRequest(k: 200)).items.compactMap(\.category)
        let counts = Dictionary(grouping: categories, by: { $0 }).mapValues(\.count).sorted { ($0.value, $0.key) > ($1.value, $1.key) }
        let (morning, evening) = (counts[0].key, counts[1].key)
        #expect(BanditArm.bucket(category: morning) != BanditArm.bucket(category: evening))
        for round in 0..<6 {
            var records: [ImpressionRecord] = []
            var clicks: [(String, String, String)] = []
            for number in 1...60 {
                let user = String(format: "c%05d", 100 + number)
                let phone = number % 2 == 0
                let (response, record) = try engine.recommendForDisplay(request(user, device: phone ? "mobile" : "desktop", hour: phone ? 8 : 21, k: 8))
                records.append(record)
                for item in response.items where item.category == (phone ? morning : evening) { clicks.append((user, item.itemID, record.requestID)) }
            }
            try log(records)
            try click(clicks)
            let update = try #require(try engine.updateBandits().first, "round \(round)")
            #expect(update.displays == 480 && update.outcomes == clicks.count)
        }
        _ = try engine.setSetting("exploration.recommendations.policy", to: "contextual")
        func share(_ category: String, device: String, hour: Int) throws -> Double {
            let items = try engine.recommendForDisplay(request("c00001", device: device, hour: hour, k: 8)).0.items
            return Double(items.filter { $0.category == category }.count) / Double(items.count)
        }
        let phoneMorning = try share(morning, device: "mobile", hour: 8), desktopMorning = try share(morning, device: "desktop", hour: 21)
        let phoneEvening = try share(evening, device: "mobile", hour: 8), desktopEvening = try share(evening, device: "desktop", hour: 21)
        #expect(phoneMorning > desktopMorning, "\(morning): phone \(phoneMorning), desktop \(desktopMorning)")
        #expect(desktopEvening > phoneEvening, "\(evening): desktop \(desktopEvening), phone \(phoneEvening)")

        // The state is in the file: another engine on it serves the same lists.
        let reopened = try Engine.open(at: DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key")))
        #expect(try reopened.banditStatus() == engine.banditStatus())
        let phoneList = try engine.recommendForDisplay(request("c00001", device: "mobile", hour: 8)).0.items.map(\.itemID)
        #expect(try reopened.recommendForDisplay(request("c00001", device: "mobile", hour: 8)).0.items.map(\.itemID) == phoneList)
    }

    /// With cluster segments built, a bandit started afterwards gives each a context slot, and a
    /// known person's list records their segment, which its replay reads back.
    @Test func aPersonsSegmentIsPartOfTheContext() throws {
        var segments = SegmentBuildOptions()
        segments.k = 3
        _ = try engine.buildSegments(segments)
        _ = try engine.setSetting("exploration.recommendations.policy", to: "softmax")
        let status = try #require(try engine.banditStatus().first)
        let keys = try engine.database.writer.read { db in try SegmentStore.liveSegments(in: db).filter { $0.kind == "cluster" }.map(\.key) }
        #expect(status.segments == keys && !keys.isEmpty)
        #expect(status.dimension == 16 * (1 + 4 + 2 + 4 + status.countries.count + 1 + keys.count + 1))
        var logged = 0
        for number in 1...20 {
            let user = String(format: "c%05d", number)
            let (_, record) = try engine.recommendForDisplay(request(user, device: "mobile", hour: 9))
            let object = try JSONSerialization.jsonObject(with: Data(try #require(record.exploration).utf8)) as! [String: Any]
            let segment = (object["context"] as? [String: Any])?["segment"] as? String
            // Only for a person who consented to personalization: the segment is learnt from what they did.
            let member = try engine.database.writer.read { db -> String? in
                let pk = try #require(try ServingQueries.userPK(pseudonym: engine.pseudonym(of: user), in: db))
                return try ServingConsent.read(userPK: pk, in: db).personalization ? try SegmentStore.clusterSegmentKey(userPK: pk, in: db) : nil
            }
            #expect(segment == member, "\(user)")
            if segment != nil { logged += 1 }
            try log([record])
            #expect(try engine.replayList(requestID: record.requestID).reproduced)
        }
        #expect(logged > 0)
    }

    /// The shop's most frequent regions (from its events) get slots when a bandit starts; a
    /// request's region is logged with its list and replays.
    @Test func aRequestsRegionIsPartOfTheContext() throws {
        var csv = "user_id,item_id,type,ts,country,region\n"
        for (n, region) in ["Bavaria", "Bavaria", "Bavaria", "Hesse", "Hesse", "Saxony"].enumerated() {
            csv += "c0000\(n + 1),P00001,view,2026-11-24T10:00:0\(n)Z,DE,\(region)\n"
        }
        let path = directory.write("regions.csv", csv)
        _ = try engine.importFile(at: path, request: ImportRequest(kind: .events, fileName: path, format: .csv))
        _ = try engine.setSetting("bandit.regions", to: "2")
        _ = try engine.setSetting("exploration.recommendations.policy", to: "thompson")
        let status = try #require(try engine.banditStatus().first)
        #expect(status.regions == ["bavaria", "hesse"])
        var request = request("c00009", device: "desktop", hour: 14)
        request.region = "Hesse"
        let (_, record) = try engine.recommendForDisplay(request)
        let object = try JSONSerialization.jsonObject(with: Data(try #require(record.exploration).utf8)) as! [String: Any]
        #expect((object["context"] as? [String: Any])?["region"] as? String == "hesse")
        try log([record])
        #expect(try engine.replayList(requestID: record.requestID).reproduced)
        #expect(throws: RequestProblem.self) { try engine.setSetting("bandit.regions", to: "21") }
    }

    @Test func aResetRetiresTheVersionAndStartsAfreshAudited() throws {
        _ = try engine.setSetting("exploration.similar.policy", to: "linucb")
        #expect(try engine.banditStatus().map(\.surface) == ["similar"])
        _ = try engine.setSetting("bandit.lambda", to: "4")
        let started = try engine.resetBandit(surface: "similar")
        #expect(started.retired == 1 && started.version == 2)
        let status = try engine.banditStatus()
        #expect(status.map(\.status) == ["active", "retired"] && status[0].lambda == 4)
        let audited = try engine.auditEntries(limit: 10, action: "bandit_start")
        #expect(audited.count == 2)
        #expect { try engine.resetBandit(surface: "pages") } throws: { ($0 as? RequestProblem)?.field == "surface" }
        // Similar-item lists of the surface's bandit log its version.
        let anchor = try engine.recommend(RecommendationRequest(userID: "c00003", k: 1)).items[0].itemID
        let record = try engine.similarItemsForDisplay(to: anchor, k: 4).1
        let object = try JSONSerialization.jsonObject(with: Data(try #require(record.exploration).utf8)) as! [String: Any]
        #expect(object["bandit_version"] as? Int == 2 && object["policy"] as? String == "linucb")
    }

    @Test func banditSettingsAreChecked() throws {
        for (key, value) in [
            ("exploration.recommendations.policy", "greedyish"), ("exploration.recommendations.temperature", "0"),
            ("exploration.recommendations.draws", "0"), ("exploration.similar.alpha", "-1"), ("bandit.lambda", "0"),
            ("bandit.reward.click", "-1"), ("bandit.countries", "50"), ("bandit.reward.view", "1"),
        ] {
            #expect(throws: RequestProblem.self, "\(key) = \(value)") { try engine.setSetting(key, to: value) }
        }
        #expect(try engine.banditStatus().isEmpty, "a refused policy starts nothing")
        #expect(try engine.updateBandits().isEmpty, "no bandit, nothing to do")
    }
}

/// Exploration as an experiment's strategy: a variant explores by its own policy while the
/// control keeps the surface's settings; shipping the variant makes its policy the setting.
@Suite struct ExplorationExperimentTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        engine = try SmallShop.engine(in: directory, trained: true)
    }

    @Test func aVariantExploresByItsOwnPolicyAndShippingItMakesThePolicyTheSetting() throws {
        try engine.createExperiment(
            ExperimentDefinition(
                key: "explore", variants: [.init(name: "control"), .init(name: "thompson", strategy: try ServingStrategy(parsing: "exploration:thompson:0.5"))]))
        var seen: [String: Int] = [:]
        for number in 1...60 {
            let (response, record) = try engine.recommendForDisplay(RecommendationRequest(userID: String(format: "c%05d", number), k: 5))
            guard let variant = response.variant else { continue }
            seen[variant, default: 0] += 1
            if variant == "thompson" {
                let object = try JSONSerialization.jsonObject(with: Data(try #require(record.exploration).utf8)) as! [String: Any]
                #expect(object["policy"] as? String == "thompson" && (object["scale"] as? NSNumber)?.doubleValue == 0.5)
                #expect(response.items.allSatisfy { $0.probability != nil })
            } else {
                #expect(record.exploration == nil, "the control keeps the surface's setting: no exploration")
            }
        }
        #expect((seen["thompson"] ?? 0) > 0 && (seen["control"] ?? 0) > 0)
        _ = try engine.shipExperiment(key: "explore", variant: "thompson")
        let settings = Dictionary(uniqueKeysWithValues: try engine.settings().map { ($0.key, $0.value) })
        #expect(settings["exploration.recommendations.policy"] == "thompson" && settings["exploration.recommendations.scale"] == "0.5")
        #expect(try engine.banditStatus().first?.status == "active")
    }

    @Test func explorationStrategiesAreCheckedByName() throws {
        #expect(try ServingStrategy(parsing: "exploration:epsilon_greedy:0.1") == .exploration(policy: "epsilon_greedy", parameter: 0.1))
        #expect(try ServingStrategy(parsing: "exploration:contextual").description == "exploration:contextual")
        for bad in ["exploration:greedyish", "exploration:epsilon_greedy:2", "exploration:contextual:1", "exploration:softmax:0"] {
            #expect(throws: RequestProblem.self, "\(bad)") { try ServingStrategy(parsing: bad) }
        }
        var page = ExperimentDefinition(key: "page-explore", variants: [.init(name: "a"), .init(name: "b", strategy: .exploration(policy: "softmax", parameter: nil))])
        page.surface = "home"
        #expect(throws: RequestProblem.self) { try engine.createExperiment(page) }
    }
}

extension ExplorationExperimentTests {
    @Test func anExplorationVariantsWeightComesAfterItsParameter() throws {
        #expect(try ExperimentDefinition.Variant(parsing: "t=exploration:thompson:2") == .init(name: "t", strategy: .exploration(policy: "thompson", parameter: 2)))
        #expect(try ExperimentDefinition.Variant(parsing: "t=exploration:thompson:0.25:3") == .init(name: "t", weight: 3, strategy: .exploration(policy: "thompson", parameter: 0.25)))
        #expect(try ExperimentDefinition.Variant(parsing: "c=exploration:contextual:2") == .init(name: "c", weight: 2, strategy: .exploration(policy: "contextual", parameter: nil)))
        #expect(try ExperimentDefinition.Variant(parsing: "d=default:2").weight == 2)
    }
}
