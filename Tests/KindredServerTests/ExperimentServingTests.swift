import Foundation
import HTTPTypes
import HummingbirdTesting
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Experiments that change what is served: the variant's model answers, the first exposure is
/// recorded once, the events that follow carry the experiment, and the report measures them.
@Suite struct ExperimentServingTests {
    let harness: ServerHarness

    init() throws {
        harness = try ServerHarness(users: 300, items: 120, events: 15_000)
        var popularity = TrainOptions()
        popularity.algorithm = AlgorithmSpec(name: "popularity")
        popularity.validationDays = 0
        popularity.keepBesideActive = true
        _ = try harness.engine.train(popularity)
    }

    static let people = (1...300).map { String(format: "c%05d", $0) }

    func now() -> String { TimestampFormatter.iso8601(milliseconds: Int64(Date().timeIntervalSince1970 * 1000), fractional: true) }

    @Test func variantsServeTheirStrategiesAndTheReportMeasuresThem() async throws {
        let (adminKey, harness) = (harness.adminKey, self.harness)
        try await harness.withServer { client, _ in
            let created = try await client.call(
                .post, "/v1/experiments", key: adminKey,
                json: #"{"key": "home-recs", "variants": [{"name": "control", "strategy": "algorithm:popularity"}, {"name": "personal", "strategy": "default"}]}"#)
            #expect(created.status == .created, "\(created.text)")

            var served: [String: (variant: String, algorithm: String, requestID: String, items: [String])] = [:]
            var outside = 0
            for person in Self.people {
                let response = try await client.call(.get, "/v1/users/\(person)/recommendations?k=5", key: adminKey)
                #expect(response.status == .ok)
                let body = response.object
                guard let variant = body["variant"] as? String else {
                    outside += 1
                    continue
                }
                #expect(body["experiment"] as? String == "home-recs")
                served[person] = (
                    variant, body["algorithm"] as! String, body["request_id"] as! String,
                    (body["items"] as! [[String: Any]]).map { $0["item_id"] as! String }
                )
            }
            // Everyone with experiments and analytics consent is in (the generated shop withdraws some).
            #expect(served.count > 150 && outside > 0, "\(served.count) in, \(outside) out")
            for (_, response) in served {
                #expect(response.algorithm == (response.variant == "control" ? "popularity" : "als"), "each variant's own model answers")
            }
            let split = Dictionary(grouping: served.values, by: \.variant).mapValues(\.count)
            #expect(split["control"]! > 50 && split["personal"]! > 50, "\(split)")

            // Exposures land with the impressions; a second response does not move the first.
            let exposed = try await eventually { try DatabaseSnapshot.count("assignments", in: harness.database, where: "exposed_ms IS NOT NULL") == served.count }
            #expect(exposed)
            let first = try DatabaseSnapshot.strings("SELECT exposed_ms FROM assignments ORDER BY user_pk LIMIT 1", in: harness.database)
            let again = try await client.call(.get, "/v1/users/\(served.keys.sorted()[0])/recommendations?k=5", key: adminKey)
            #expect(again.object["variant"] as? String == served[served.keys.sorted()[0]]!.variant, "sticky")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try DatabaseSnapshot.strings("SELECT exposed_ms FROM assignments ORDER BY user_pk LIMIT 1", in: harness.database) == first)

            // Everyone personal clicks their first two items; every other control person clicks one.
            var events: [String] = []
            var controlClicks = 0
            for (index, (person, response)) in served.sorted(by: { $0.key < $1.key }).enumerated() {
                let clicks = response.variant == "personal" ? 2 : (index % 2 == 0 ? 1 : 0)
                if response.variant == "control" { controlClicks += min(clicks, response.items.count) }
                for item in response.items.prefix(clicks) {
                    events.append(
                        #"{"type": "click", "user_id": "\#(person)", "item_id": "\#(item)", "request_id": "\#(response.requestID)", "ts": "\#(now())"}"#)
                }
                // Some put their first click in the cart (a third of personal, a fifth of control),
                // so that more than one metric is compared.
                if clicks > 0, index % (response.variant == "personal" ? 3 : 5) == 0, let item = response.items.first {
                    events.append(
                        #"{"type": "add_to_cart", "user_id": "\#(person)", "item_id": "\#(item)", "request_id": "\#(response.requestID)", "ts": "\#(now())", "value": 1}"#)
                }
            }
            for batch in stride(from: 0, to: events.count, by: 500) {
                let body = #"{"events": [\#(events[batch..<min(events.count, batch + 500)].joined(separator: ","))]}"#
                let posted = try await client.call(.post, "/v1/events", key: adminKey, json: body)
                #expect(posted.status == .ok, "\(posted.text)")
            }
            let filed = try await eventually {
                try DatabaseSnapshot.count("events", in: harness.database, where: "type IN ('click', 'add_to_cart') AND experiment = 'home-recs'") == events.count
            }
            #expect(filed, "clicks that follow the experiment's responses carry it")
            #expect(
                try DatabaseSnapshot.count(
                    "events", in: harness.database,
                    where: "experiment = 'home-recs' AND variant <> (SELECT variant FROM impressions WHERE impressions.request_id = events.request_id)") == 0)

            let report = try await client.call(.get, "/v1/experiments/home-recs/report", key: adminKey)
            #expect(report.status == .ok, "\(report.text)")
            let body = report.object
            #expect((body["srm"] as! [String: Any])["flagged"] as? Bool == false)
            let variants = body["variants"] as! [[String: Any]]
            #expect(variants.map { $0["variant"] as! String } == ["control", "personal"])
            #expect(variants[0]["people"] as? Int == split["control"] && variants[1]["people"] as? Int == split["personal"])
            let controlCTR = (variants[0]["metrics"] as! [String: [String: Any]])["ctr"]!
            let personalCTR = (variants[1]["metrics"] as! [String: [String: Any]])["ctr"]!
            // Personal: 2 of 5 items each; control: about half the people click 1 of 5.
            // (The second response to the first person counts as shown too.)
            let againItems = (again.object["items"] as! [Any]).count
            let repeated = served[served.keys.sorted()[0]]!.variant
            let controlShown = served.values.filter { $0.variant == "control" }.reduce(0) { $0 + $1.items.count } + (repeated == "control" ? againItems : 0)
            let personal = served.values.filter { $0.variant == "personal" }
            let personalShown = personal.reduce(0) { $0 + $1.items.count } + (repeated == "personal" ? againItems : 0)
            #expect(abs((personalCTR["mean"] as! Double) - Double(personal.count * 2) / Double(personalShown)) < 1e-9)
            #expect(abs((controlCTR["mean"] as! Double) - Double(controlClicks) / Double(controlShown)) < 1e-9)
            let relative = personalCTR["relative"] as! [String: Double]
            #expect(relative["p_value"]! < 0.001 && relative["ci_low"]! > 0)
            #expect((body["summary"] as! [String])[0].hasPrefix("personal beats control on ctr by"))
            #expect((body["methods"] as! [String: String])["ctr"]!.contains("delta method"))
            let stored = try DatabaseSnapshot.strings(
                "SELECT variant || ':' || people FROM experiment_results WHERE experiment = 'home-recs' AND metric = 'ctr' ORDER BY variant",
                in: harness.database)
            #expect(stored == ["control:\(split["control"]!)", "personal:\(split["personal"]!)"], "the view holds the latest report")

            // Holm over each metric's one comparison changes nothing; over every metric's, ctr's
            // p-value is adjusted among all the metrics' p-values, as worked out here.
            func scoped(_ scope: String) async throws -> [String: [String: Any]] {
                let scoped = try await client.call(
                    .get, "/v1/experiments/home-recs/report?correction=holm&correction_scope=\(scope)", key: adminKey)
                #expect(scoped.status == .ok, "\(scoped.text)")
                return (scoped.object["variants"] as! [[String: Any]])[1]["metrics"] as! [String: [String: Any]]
            }
            let perMetric = try await scoped("metric")
            #expect(abs((perMetric["ctr"]!["adjusted_p_value"] as! Double) - relative["p_value"]!) < 1e-12, "Holm of one p is that p")
            let acrossAll = try await scoped("all")
            let pValues = acrossAll.values.compactMap { metric -> Double? in
                ((metric["relative"] ?? metric["absolute"]) as? [String: Double])?["p_value"]
            }.sorted()
            #expect(pValues.count >= 2, "several metrics compared, so that scoping matters")
            // Holm's first step: the smallest p times the number of p-values; later steps never go lower.
            let rank = pValues.firstIndex { abs($0 - relative["p_value"]!) < 1e-15 }!
            let holm = (0...rank).map { min(1, pValues[$0] * Double(pValues.count - $0)) }.max()!
            #expect(abs((acrossAll["ctr"]!["adjusted_p_value"] as! Double) - holm) < 1e-12, "\(pValues)")
            let badScope = try await client.call(.get, "/v1/experiments/home-recs/report?correction_scope=everything", key: adminKey)
            #expect(badScope.status == .badRequest && badScope.error["field"] as? String == "correction_scope")

            // By device: every exposed person in exactly one group, each group its own analysis.
            let byDevice = try await client.call(.get, "/v1/experiments/home-recs/report?by=device", key: adminKey)
            let groups = byDevice.object["groups"] as! [[String: Any]]
            #expect(groups.allSatisfy { $0["by"] as? String == "device" } && groups.count >= 2)
            let grouped = groups.flatMap { $0["variants"] as! [[String: Any]] }.reduce(0) { $0 + ($1["people"] as! Int) }
            #expect(grouped == served.count)
            #expect(groups.allSatisfy { ($0["srm"] as? [String: Any])?["p_value"] != nil })
        }
    }

    /// Serving holds the running experiments in memory: a change through the same engine is
    /// served at once, one made by another process (the CLI beside the server) within seconds.
    @Test func experimentsStartedAndStoppedAnywhereReachServing() async throws {
        let engine = harness.engine
        let people = (1...20).map { String(format: "c%05d", $0) }
        func experiments() throws -> Set<String> {
            Set(try people.compactMap { try engine.recommendForDisplay(RecommendationRequest(userID: $0, k: 3)).0.experiment })
        }
        #expect(try experiments().isEmpty, "nothing runs yet (and serving now holds that)")
        // Another process: its own engine on the same files.
        let elsewhere = try Engine.open(at: DatabaseLocation(databasePath: harness.database.path, keyPath: harness.database.keyPath))
        try elsewhere.createExperiment(ExperimentDefinition(key: "elsewhere", variants: [.init(name: "a"), .init(name: "b")]))
        #expect(try await eventually(timeout: 10) { try experiments() == ["elsewhere"] }, "seen within the freshness")
        // The same engine: at once.
        try engine.stopExperiment(key: "elsewhere")
        #expect(try experiments().isEmpty)
        try engine.createExperiment(ExperimentDefinition(key: "here", variants: [.init(name: "a"), .init(name: "b")]))
        #expect(try experiments() == ["here"])
        try engine.stopExperiment(key: "here")
    }

    @Test func peopleWithoutExperimentsConsentGetTheDefaultAndAreNotCounted() async throws {
        let (adminKey, harness) = (harness.adminKey, self.harness)
        try harness.engine.createExperiment(
            ExperimentDefinition(
                key: "consent-check", variants: [.init(name: "a", strategy: .algorithm("popularity")), .init(name: "b", strategy: .algorithm("popularity"))]))
        try await harness.withServer { client, _ in
            let withdrawn = #"{"user_id": "c00007", "purpose": "experiments", "granted": false, "ts": "\#(now())"}"#
            #expect(try await client.call(.post, "/v1/consents", key: adminKey, json: withdrawn).status.code < 300)
            let response = try await client.call(.get, "/v1/users/c00007/recommendations", key: adminKey)
            #expect(response.object["experiment"] == nil)
            #expect(response.object["algorithm"] as? String == "als", "the default")
            try await Task.sleep(for: .milliseconds(300))
            let pk = try DatabaseSnapshot.strings(
                "SELECT count(*) FROM assignments JOIN users USING (user_pk) WHERE pseudonym = '\(harness.engine.pseudonym(of: "c00007"))'",
                in: harness.database)
            #expect(pk == ["0"])
        }
    }

    @Test func targetingLayersAndTrafficShareDecideWhoIsIn() async throws {
        let engine = harness.engine
        var mobile = ExperimentDefinition(key: "mobile-only", variants: [.init(name: "a"), .init(name: "b")])
        mobile.targeting = .init(device: ["mobile"])
        mobile.layer = "ranking"
        mobile.trafficShare = 0.5
        try engine.createExperiment(mobile)
        var other = ExperimentDefinition(key: "same-layer", variants: [.init(name: "a"), .init(name: "b")])
        other.layer = "ranking"
        other.trafficShare = 0.5
        try engine.createExperiment(other)
        var third = ExperimentDefinition(key: "no-room", variants: [.init(name: "a"), .init(name: "b")])
        third.layer = "ranking"
        third.trafficShare = 0.1
        #expect(throws: RequestProblem.self) { try engine.createExperiment(third) }
        #expect(try engine.listExperiments().allSatisfy { $0.key != "no-room" }, "a refused start leaves nothing behind")
        third.start = false
        #expect(try engine.createExperiment(third).status == "draft")
        #expect(throws: RequestProblem.self) { try engine.startExperiment(key: "no-room") }

        var inMobile = 0
        var inOther = 0
        for person in Self.people {
            let onMobile = try engine.assignVariant(experiment: "mobile-only", userID: person, device: "mobile")
            let onDesktop = try engine.assignVariant(experiment: "mobile-only", userID: person, device: "desktop")
            let same = try engine.assignVariant(experiment: "same-layer", userID: person)
            #expect(!onDesktop.assigned || onMobile.assigned == false, "desktop is never in a mobile-only test")
            #expect(!(onMobile.assigned && same.assigned), "one layer never shares a person")
            if onMobile.assigned { inMobile += 1 }
            if same.assigned { inOther += 1 }
        }
        #expect(inMobile > 60 && inOther > 60 && inMobile + inOther < Self.people.count, "\(inMobile) + \(inOther) of \(Self.people.count)")
        // The assignment route takes the device the targeting needs.
        let (adminKey, harness) = (harness.adminKey, self.harness)
        let mobilePerson = try #require(
            try Self.people.first { try engine.assignVariant(experiment: "mobile-only", userID: $0, device: "mobile").assigned })
        try await harness.withServer { client, _ in
            let onMobile = try await client.call(.get, "/v1/users/\(mobilePerson)/experiments/mobile-only?device=mobile", key: adminKey)
            #expect(onMobile.object["assigned"] as? Bool == true, "\(onMobile.text)")
            let onDesktop = try await client.call(.get, "/v1/users/\(mobilePerson)/experiments/mobile-only?device=desktop", key: adminKey)
            #expect(onDesktop.object["assigned"] as? Bool == false)
            #expect((onDesktop.object["reason"] as? String ?? "").contains("targets devices mobile"))
        }
        try engine.stopExperiment(key: "same-layer")
        #expect(try engine.startExperiment(key: "no-room").status == "running", "a stopped experiment frees its slice")
    }

    @Test func shippingMakesTheVariantsModelTheActiveOne() async throws {
        let engine = harness.engine
        try engine.createExperiment(
            ExperimentDefinition(key: "ship-me", variants: [.init(name: "control"), .init(name: "popular", strategy: .algorithm("popularity"))]))
        let popular = try #require(try engine.models().last { $0.algorithm == "popularity" })
        let shipped = try engine.shipExperiment(key: "ship-me", variant: "popular")
        #expect(shipped.status == "stopped" && shipped.shippedVariant == "popular")
        #expect(try engine.models().first { $0.status == "active" }?.version == popular.version)
        #expect(
            try DatabaseSnapshot.count("audit_log", in: harness.database, where: "action = 'experiment_ship' AND json_extract(details, '$.activated_version') = \(popular.version)") == 1)
        #expect(throws: RequestProblem.self) { try engine.shipExperiment(key: "ship-me", variant: "control") }
        #expect(try engine.experimentReport(key: "ship-me").status == "stopped", "a stopped experiment keeps its report")
    }
}
