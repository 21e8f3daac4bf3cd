import Foundation
import GRDB
@testable import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Features worked out by hand for one person on a tiny shop, now and as of a day whose later
/// events must not leak in; consent, erasure and the exported matrix.
@Suite struct FeatureStoreTests {
    /// 2026-11-08T00:00:00Z, day 20765.
    static let nowMs: Int64 = 1_794_096_000_000

    static let catalog = """
        item_id,category,price,on_sale
        A,garden,10,
        B,kitchen,5,
        C,garden,40,yes

        """

    /// u1: Monday 2 November, a morning session (view, dwell 30 s, cart and purchase of A) and a
    /// late-evening one that runs past midnight (view B, then B in the cart on Tuesday at 00:10,
    /// never bought, from Germany on a desktop); Saturday 7 November, two of C (on sale) bought
    /// on a phone. u2 views A once and then withdraws analytics consent.
    static let events = """
        type,user_id,item_id,ts,value,price,device,country,session_id
        view,u1,A,2026-11-02T08:00:00Z,,,mobile,GB,s1
        dwell,u1,A,2026-11-02T08:01:00Z,30,,mobile,GB,s1
        add_to_cart,u1,A,2026-11-02T08:02:00Z,1,10,mobile,GB,s1
        purchase,u1,A,2026-11-02T08:05:00Z,1,10,mobile,GB,s1
        view,u1,B,2026-11-02T23:50:00Z,,,desktop,GB,s2
        add_to_cart,u1,B,2026-11-03T00:10:00Z,1,5,desktop,DE,s2
        purchase,u1,C,2026-11-07T19:00:00Z,2,40,mobile,GB,s3
        view,u2,A,2026-11-03T12:00:00Z,,,tablet,FR,

        """

    func shop(_ directory: TemporaryDirectory) throws -> Engine {
        let location = DatabaseLocation(databasePath: directory.file("k.sqlite"), keyPath: directory.file("k.sqlite.key"))
        let engine = try Engine.create(at: location, clock: WallClock { Self.nowMs }).engine
        for (name, kind, text) in [("catalog.csv", ImportKind.catalog, Self.catalog), ("events.csv", .events, Self.events)] {
            let file = directory.write(name, text)
            _ = try engine.importFile(at: file, request: ImportRequest(kind: kind, fileName: file, format: .csv))
        }
        let consents = directory.write("consents.csv", "user_id,purpose,granted,ts\nu2,analytics,withdrawn,2026-11-04T00:00:00Z\n")
        _ = try engine.importFile(at: consents, request: ImportRequest(kind: .consents, fileName: consents, format: .csv))
        return engine
    }

    static func value(_ report: PersonFeaturesReport, _ name: String) -> Double? { report.features[name] ?? nil }

    @Test func featuresNowAreWhatWasWorkedOutByHand() throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        let report = try engine.personFeatures(userID: "u1")
        let expected: [String: Double?] = [
            "recency_days": 5.0 / 24,  // Saturday 19:00 to Sunday 00:00
            "frequency": 2, "monetary": 90, "purchases": 2, "average_order_value": 45,
            "events": 7, "events_1d": 0, "events_7d": 7, "events_30d": 7, "active_days": 3, "tenure_days": 6,
            "sessions": 3, "events_per_session": 7.0 / 3,
            "mean_dwell_seconds": 30, "mean_scroll_depth": nil,
            "top_category_share": 5.0 / 7,
            "mean_price": 90.0 / 7,  // 10 four times, 5 twice, 40 once
            "price_band": 3,  // catalog quartiles 5, 10, 40 (nearest rank): above 10, not above 40
            "desktop_share": 2.0 / 7, "mobile_share": 5.0 / 7, "tablet_share": 0,
            "night_share": 1.0 / 7, "morning_share": 4.0 / 7, "afternoon_share": 0, "evening_share": 2.0 / 7,
            "weekday_share": 6.0 / 7, "returning": 1,
            "cart_abandonment_rate": 0.5,  // s1 and s2 had a cart, s2 bought nothing
            "discount_share": 0.5,  // one of two purchases was of C, on sale
            "category:garden": 5.0 / 7, "category:kitchen": 2.0 / 7,
        ]
        #expect(Set(report.features.keys) == Set(expected.keys))
        for (name, value) in expected {
            let got = Self.value(report, name)
            if let value {
                #expect(got != nil && abs(got! - value) < 1e-9, "\(name): \(String(describing: got)) != \(value)")
            } else {
                #expect(got == nil, "\(name) has no value")
            }
        }
        #expect(report.topCategory == "garden")
        #expect(report.lastDevice == "mobile")
        #expect(report.country == "GB")
        #expect(report.pointInTime == false)
        #expect(report.columns.map(\.name).suffix(2) == ["category:garden", "category:kitchen"])
    }

    /// As of Tuesday noon only Monday counts: the cart at 00:10 on Tuesday, the session's second
    /// day and Saturday's purchase are all later than the start of that day.
    @Test func featuresAsOfADayUseOnlyTheDaysBeforeIt() throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        let query = try FeatureQuery.parse(at: "2026-11-03T12:00:00Z", features: nil)
        let report = try engine.personFeatures(userID: "u1", query: query)
        #expect(report.asOf == "2026-11-03T00:00:00Z")
        #expect(report.pointInTime)
        let expected: [String: Double] = [
            "events": 5, "purchases": 1, "frequency": 1, "monetary": 10, "sessions": 2, "cart_abandonment_rate": 0,
            "recency_days": 10.0 / (24 * 60), "events_1d": 5, "tenure_days": 1, "returning": 0, "desktop_share": 0.2,
            "evening_share": 0.2, "night_share": 0,
        ]
        for (name, value) in expected {
            let got = Self.value(report, name)
            #expect(got != nil && abs(got! - value) < 1e-9, "\(name): \(String(describing: got)) != \(value)")
        }
        // Before their first day they have no features at all.
        #expect(throws: RequestProblem.self) {
            try engine.personFeatures(userID: "u1", query: try FeatureQuery.parse(at: "2026-11-02T23:00:00Z", features: nil))
        }
    }

    @Test func onlyPeopleWithAnalyticsConsentHaveFeaturesAndErasureTakesThemAway() throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        #expect(try DatabaseSnapshot.count("person_days", in: engine.database, where: "1") == 4, "u1 on 3 days, u2 on 1")
        let error = #expect(throws: RequestProblem.self) { try engine.personFeatures(userID: "u2") }
        #expect(error?.code == "no_features")
        let matrix = try engine.featureMatrix(FeatureQuery(), standardized: false)
        #expect(matrix.pseudonyms == [engine.database.pseudonymizer.pseudonym(of: "u1")])

        // The person's export carries their daily sums; erasure deletes them.
        let export = try engine.export(userID: "u1")
        let document = try JSONSerialization.jsonObject(with: export.document) as! [String: Any]
        let tables = document["tables"] as! [String: Any]
        #expect((tables["person_days"] as? [Any])?.count == 3)
        #expect((tables["person_session_days"] as? [Any])?.count == 4)
        _ = try engine.forget(userID: "u1")
        for table in ["person_days", "person_category_days", "person_session_days"] {
            #expect(try DatabaseSnapshot.count(table, in: engine.database, where: "1") == 1, "only u2 is left in \(table)")
        }
        #expect(throws: RequestProblem.self) { try engine.personFeatures(userID: "u1") }
    }

    @Test func theExportIsTheMatrixSegmentationSees() throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        // A second consenting person, so that standardizing has something to scale.
        let more = directory.write("more.csv", "type,user_id,item_id,ts,device\nview,u3,B,2026-11-05T20:00:00Z,mobile\n")
        _ = try engine.importFile(at: more, request: ImportRequest(kind: .events, fileName: more, format: .csv))
        let raw = directory.file("raw.csv")
        let written = try engine.exportFeatures(
            try FeatureQuery.parse(at: nil, features: "frequency,monetary,mean_dwell_seconds"), standardized: false, to: raw)
        #expect(written.rows == 2)
        let lines = try String(contentsOfFile: raw, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "pseudonym,frequency,monetary,mean_dwell_seconds")
        let p1 = engine.database.pseudonymizer.pseudonym(of: "u1")
        let p3 = engine.database.pseudonymizer.pseudonym(of: "u3")
        #expect(Set(lines.dropFirst()) == ["\(p1),2.0,90.0,30.0", "\(p3),0.0,0.0,"])

        let scaled = directory.file("scaled.csv")
        _ = try engine.exportFeatures(
            try FeatureQuery.parse(at: nil, features: "frequency,monetary,mean_dwell_seconds"), standardized: true, to: scaled)
        let rows = try String(contentsOfFile: scaled, encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",").map(String.init) }
        let byPerson = Dictionary(uniqueKeysWithValues: rows.map { ($0[0], $0.dropFirst().map { Double($0)! }) })
        // Two people: each column's values are its mean plus and minus one deviation; a missing
        // dwell takes the mean (30), so that column is constant and scales to 0.
        #expect(byPerson[p1] == [1, 1, 0])
        #expect(byPerson[p3] == [-1, -1, 0])

        let unknown = #expect(throws: RequestProblem.self) {
            try engine.featureMatrix(try FeatureQuery.parse(at: nil, features: "frequency,basket"), standardized: false)
        }
        #expect(unknown?.field == "features")
        #expect(unknown?.message.contains("no feature 'basket'") == true)
    }

    @Test func itemFeaturesAreWhatWasWorkedOutByHand() throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        let rows = Dictionary(uniqueKeysWithValues: try engine.itemFeatures().map { ($0.itemID, $0) })
        // A: u1's view, dwell, cart and purchase, and u2's view, all in the last week; nothing the week before.
        #expect(rows["A"]?.popularity == 5 && rows["A"]?.trend == nil && rows["A"]?.conversionRate == 0.5)
        #expect(rows["A"]?.priceBand == 2 && rows["A"]?.revenue == 10)
        #expect(rows["B"]?.popularity == 2 && rows["B"]?.conversionRate == 0 && rows["B"]?.priceBand == 1)
        #expect(rows["C"]?.popularity == 1 && rows["C"]?.conversionRate == nil && rows["C"]?.revenue == 80 && rows["C"]?.priceBand == 3)
        #expect(rows["A"]?.ageDays == 0, "listed at the clock's now")
        // As of Tuesday: only Monday's four events on A, and nothing yet on C.
        let before = Dictionary(uniqueKeysWithValues: try engine.itemFeatures(try FeatureQuery.parse(at: "2026-11-03T12:00:00Z", features: nil)).map { ($0.itemID, $0) })
        #expect(before["A"]?.popularity == 4 && before["C"]?.popularity == 0)
        let file = directory.file("items.csv")
        #expect(try engine.exportItemFeatures(FeatureQuery(), to: file) == 3)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "item_id,category,popularity,trend,conversion_rate,revenue,price_band,age_days")
        #expect(lines.contains("C,garden,1,,,80.0,3,0.0"))
    }

    /// Filing folds only the events it stored: each statement must read them as a range of
    /// rowids, never walk an index over every event (which made filing slower as the shop grew,
    /// and held the writer long enough for a closing tab's beacon to be skipped).
    @Test func foldingReadsOnlyTheNewEvents() throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        try engine.database.writer.read { db in
            for sql in FeatureStore.foldSQL {
                let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: [1]).map { $0["detail"] as String }
                let events = plan.filter { $0.contains(" e ") || $0.contains(" events ") || $0.hasPrefix("SCAN e") || $0.hasPrefix("SEARCH e") }
                #expect(!events.isEmpty && events.allSatisfy { $0.contains("INTEGER PRIMARY KEY (rowid>?)") }, "\(plan)")
            }
        }
    }

    @Test func aRebuildGivesTheSameSumsAsFilingDid() throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        func snapshot() throws -> [String] {
            try engine.database.writer.read { db in
                try ["person_days", "person_category_days", "person_session_days", "item_days"].flatMap { table in
                    try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2, 3").map { "\(table) \($0)" }
                }
            }
        }
        let filed = try snapshot()
        #expect(filed.count > 10)
        #expect(try engine.rebuildFeatures() == 4)
        #expect(try snapshot() == filed)
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'features_rebuild'") == 1)
    }
}
