import Foundation
import GRDB
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Segments built from events with a known answer: two kinds of shopper every algorithm must
/// tell apart, named by what sets them apart, kept with their history across builds, reported
/// with what members did, and gone with a person's erasure.
@Suite struct SegmentBuildTests {
    static let nowMs: Int64 = 1_794_096_000_000  // 2026-11-08T00:00:00Z

    /// Eight evening buyers on phones (three purchases at 12 each, on three days, in Great Britain) and
    /// eight morning browsers on desktops (one view, in Germany).
    static func events() -> String {
        var lines = ["type,user_id,item_id,ts,value,price,device,country,session_id"]
        for person in 1...8 {
            for day in 2...4 {
                lines.append("view,buyer\(person),A,2026-11-0\(day)T19:0\(person):00Z,,,mobile,GB,b\(person)-\(day)")
                lines.append("purchase,buyer\(person),A,2026-11-0\(day)T19:1\(person):00Z,1,12,mobile,GB,b\(person)-\(day)")
            }
            lines.append("view,browser\(person),B,2026-11-06T08:0\(person):00Z,,,desktop,DE,w\(person)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func shop(_ directory: TemporaryDirectory, clock: WallClock = WallClock { Self.nowMs }) throws -> Engine {
        let location = DatabaseLocation(databasePath: directory.file("k.sqlite"), keyPath: directory.file("k.sqlite.key"))
        let engine = try Engine.create(at: location, clock: clock).engine
        let catalog = directory.write("catalog.csv", "item_id,category,price\nA,garden,12\nB,kitchen,30\n")
        _ = try engine.importFile(at: catalog, request: ImportRequest(kind: .catalog, fileName: catalog, format: .csv))
        let file = directory.write("events.csv", Self.events())
        _ = try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
        return engine
    }

    func membersByKey(_ engine: Engine) throws -> [String: Set<String>] {
        let names = Dictionary(uniqueKeysWithValues: (1...8).flatMap { n in
            ["buyer\(n)", "browser\(n)"].map { (engine.database.pseudonymizer.pseudonym(of: $0), $0) }
        })
        return try engine.database.writer.read { db in
            var result: [String: Set<String>] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT s.key, u.pseudonym FROM segment_members JOIN segments AS s USING (segment_pk) JOIN users AS u USING (user_pk)")
            {
                result[row[0], default: []].insert(names[row[1] as String]!)
            }
            return result
        }
    }

    static let buyers = Set((1...8).map { "buyer\($0)" })
    static let browsers = Set((1...8).map { "browser\($0)" })

    @Test(arguments: SegmentBuildOptions.Algorithm.allCases)
    func everyAlgorithmTellsTheTwoKindsApart(algorithm: SegmentBuildOptions.Algorithm) throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        var options = SegmentBuildOptions()
        options.algorithm = algorithm
        options.k = algorithm == .dbscan ? nil : 2
        options.features = ["frequency", "monetary", "mobile_share", "evening_share"]
        let report = try engine.buildSegments(options)
        #expect(report.people == 16)
        #expect(report.k == 2)
        let groups = Set(try membersByKey(engine).values)
        #expect(groups == [Self.buyers, Self.browsers], "\(algorithm)")
        let buyerSegment = try #require(report.segments.first { $0.centroid["frequency"]! > 0 })
        #expect(buyerSegment.size == 8 && buyerSegment.share == 0.5)
        #expect(buyerSegment.name == "frequent buyers, high spend, mobile, into garden, GB", "\(buyerSegment.name)")
        let browserSegment = try #require(report.segments.first { $0.centroid["frequency"]! < 0 })
        #expect(browserSegment.name == "rarely buy, low spend, desktop, into kitchen, DE", "\(browserSegment.name)")
        switch algorithm {
        case .kmeans: #expect(report.inertia != nil && report.inertia! < 1e-6, "two tight groups: every point on its centroid")
        case .gmm: #expect(report.bic != nil && report.logLikelihood != nil)
        case .dbscan: #expect(report.noise == 0)
        }
    }

    @Test func kAutoChoosesTwoAndSaysWhy() throws {
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        var options = SegmentBuildOptions()
        options.features = ["frequency", "monetary", "mobile_share", "evening_share"]
        options.maxAutoK = 4
        let report = try engine.buildSegments(options)
        #expect(report.k == 2)
        #expect(report.kReason?.hasPrefix("k = 2: silhouette") == true, "\(report.kReason ?? "")")
        #expect(report.silhouette != nil && report.silhouette! > 0.99)
    }

    @Test func aRebuildRetiresTheOldSegmentsAndKeepsTheirHistory() throws {
        let directory = TemporaryDirectory()
        let clockTime = TestClockTime(Self.nowMs)
        let engine = try shop(directory, clock: WallClock { clockTime.value })
        var options = SegmentBuildOptions()
        options.k = 2
        options.features = ["frequency", "monetary"]
        let first = try engine.buildSegments(options)
        clockTime.value += 60_000
        let second = try engine.buildSegments(options)
        #expect(second.retired == 2)
        #expect(second.segmentation == first.segmentation + 1)
        let buyer = try engine.personSegments(userID: "buyer1")
        #expect(buyer.current.count == 1 && buyer.history.count == 1)
        #expect(buyer.history[0].to == buyer.current[0].from, "one stay ended as the next began")
        #expect(buyer.history[0].key.hasPrefix("cluster-") && buyer.history[0].key.contains("@"), "the retired segment's key moved aside")
        let report = try engine.segmentsReport()
        #expect(report.segments.map(\.key) == ["cluster-1", "cluster-2"])
        #expect(report.segments.map(\.size).sorted() == [8, 8])
        #expect(report.segments.allSatisfy { $0.movesIn == 0 }, "a rebuild is not a move")
        #expect(report.segments.map(\.sizes) == Array(repeating: [SegmentsReport.DaySize(day: "2026-11-08", members: 8)], count: 2))
        let buyers = try #require(report.segments.first { $0.name.hasPrefix("frequent buyers") })
        // 3 purchases at 12 each for 8 people, in 24 orders; all of them active since 2 November.
        #expect(buyers.revenue == 288 && buyers.orders == 24 && buyers.averageOrderValue == 12 && buyers.revenuePerPerson == 36)
        #expect(buyers.retention == 1, "everyone was active in the week before now")
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'segments_build'") == 2)

        // Erasure takes the person out of every segment and its history.
        _ = try engine.forget(userID: "buyer1")
        #expect(try engine.segmentsReport().segments.map(\.size).sorted() == [7, 8])
        #expect(try engine.personSegments(userID: "buyer1").history.isEmpty)
    }

    /// Between builds: a browser who starts buying in the evening on a phone is moved to the
    /// buyers' segment by the next update, the move is in the history and the report, and the
    /// buyers' centre drifts toward them with its past weight halved after one half-life.
    @Test func aPersonWhoseBehaviourChangesMovesAtTheNextUpdate() throws {
        let directory = TemporaryDirectory()
        let clockTime = TestClockTime(Self.nowMs)
        let engine = try shop(directory, clock: WallClock { clockTime.value })
        var options = SegmentBuildOptions()
        options.k = 2
        options.features = ["frequency", "monetary", "mobile_share", "evening_share"]
        let built = try engine.buildSegments(options)
        let buyersKey = try #require(built.segments.first { $0.centroid["frequency"]! > 0 }).key
        let before = try #require(try engine.segmentsReport().segments.first { $0.key == buyersKey }?.centroid)

        #expect(try engine.refreshSegments().people == 0, "nothing happened since the build")
        var lines = ["type,user_id,item_id,ts,value,price,device,country,session_id"]
        for day in 7...9 {
            lines.append("view,browser1,A,2026-11-0\(day)T19:00:00Z,,,mobile,GB,n\(day)")
            lines.append("purchase,browser1,A,2026-11-0\(day)T19:05:00Z,1,12,mobile,GB,n\(day)")
        }
        let file = directory.write("more.csv", lines.joined(separator: "\n") + "\n")
        _ = try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
        clockTime.value = Self.nowMs + 7 * 86_400_000  // one half-life after the build
        let refreshed = try engine.refreshSegments()
        #expect(refreshed.people == 1 && refreshed.moved == 1 && refreshed.joined == 0)
        #expect(abs(refreshed.decay - 0.5) < 1e-12)
        #expect(try engine.personSegments(userID: "browser1").current.map(\.key) == [buyersKey])
        #expect(try engine.personSegments(userID: "browser1").history.count == 1)
        let report = try engine.segmentsReport()
        let buyers = try #require(report.segments.first { $0.key == buyersKey })
        #expect(buyers.size == 9 && buyers.movesIn == 1)
        #expect(report.segments.first { $0.key != buyersKey }?.movesOut == 1)
        let weight = try engine.database.writer.read { db in
            try Double.fetchOne(db, sql: "SELECT weight FROM segments WHERE key = ?", arguments: [buyersKey])
        }
        #expect(weight == 8 * 0.5 + 1, "the past halved, plus the one newcomer")
        #expect(buyers.centroid != before, "the centre moved toward the newcomer")
        #expect(try engine.refreshSegments().people == 0, "the mark moved past what was seen")
        let moves = try DatabaseSnapshot.count("segment_moves", in: engine.database, where: "1")
        #expect(moves == 1)
    }

    @Test func badOptionsAreRefusedByField() throws {
        for (arguments, field) in [
            (("tree", "2", nil as String?, nil as Double?, nil as Int?), "algorithm"), (("kmeans", "0", nil, nil, nil), "k"),
            (("kmeans", "many", nil, nil, nil), "k"), (("dbscan", "auto", nil, -1.0, nil), "radius"),
            (("dbscan", "auto", nil, nil, 0), "min_points"), (("kmeans", "auto", " , ", nil, nil), "features"),
        ] {
            let error = #expect(throws: RequestProblem.self) {
                try SegmentBuildOptions.parse(algorithm: arguments.0, k: arguments.1, features: arguments.2, radius: arguments.3, minPoints: arguments.4)
            }
            #expect(error?.field == field)
        }
        let directory = TemporaryDirectory()
        let engine = try shop(directory)
        var options = SegmentBuildOptions()
        options.k = 40
        let tooMany = #expect(throws: RequestProblem.self) { try engine.buildSegments(options) }
        #expect(tooMany?.message.contains("more than the 16 people") == true)
    }
}

/// Rule segments: parsed with errors that point at the fault, filled with who matches, and
/// kept current as people's features change.
@Suite struct RuleSegmentTests {
    static let columns = ["purchases", "evening_share", "mean_dwell_seconds", "category:home/garden"]

    static func row(_ purchases: Double?, _ evening: Double?, dwell: Double? = nil, device: String? = "mobile") -> PersonFeatureRow {
        PersonFeatureRow(
            pseudonym: "p", numbers: [purchases, evening, dwell, 0.25], topCategory: "garden", lastDevice: device, country: "GB", region: nil)
    }

    @Test func rulesEvaluateAsWrittenByHand() throws {
        let rule = try SegmentRule("purchases >= 3 and evening_share > 0.5 and last_device = 'mobile'", columns: Self.columns)
        #expect(rule.matches(Self.row(3, 0.6)))
        #expect(!rule.matches(Self.row(2, 0.6)))
        #expect(!rule.matches(Self.row(3, 0.5)), "> is strict")
        #expect(!rule.matches(Self.row(3, 0.6, device: "desktop")))
        #expect(!rule.matches(Self.row(3, 0.6, device: nil)), "no value: false")
        let either = try SegmentRule("not (purchases < 1) or country = \"gb\"", columns: Self.columns)
        #expect(either.matches(Self.row(0, 0)), "text compares without case")
        #expect(try SegmentRule("mean_dwell_seconds > 10", columns: Self.columns).matches(Self.row(1, 1)) == false, "a missing mean")
        #expect(try SegmentRule("mean_dwell_seconds != 10", columns: Self.columns).matches(Self.row(1, 1)) == false)
        #expect(try SegmentRule("category:home/garden = 0.25 AND purchases <> 2", columns: Self.columns).matches(Self.row(1, 1)))
        // and binds tighter than or.
        #expect(try SegmentRule("purchases > 5 and evening_share > 5 or purchases = 1", columns: Self.columns).matches(Self.row(1, 0)))
    }

    @Test func aBadRuleNamesWhereAndWhat() throws {
        for (text, message) in [
            ("", "the rule is empty"),
            ("basket > 2", "at character 1 ('basket > 2'): unknown column 'basket'; columns: purchases, evening_share"),
            ("purchases >= 3 and evening > 0.5", "at character 20 ('evening > 0.'): unknown column 'evening'"),
            ("purchases => 3", "at character 11 ('=> 3'): expected a comparison"),
            ("purchases >= lots", "at character 14 ('lots'): 'purchases' is a number: compare it with one"),
            ("last_device = mobile", "at character 15 ('mobile'): 'last_device' is text: compare it with a quoted value"),
            ("country = 'GB", "the quoted value is not closed"),
            ("(purchases > 1", "expected )"),
            ("purchases > 1 evening_share > 2", "at character 15 ('evening_shar'): expected and, or or the end"),
        ] {
            let error = #expect(throws: RequestProblem.self) { try SegmentRule(text, columns: Self.columns) }
            #expect(error?.field == "rule")
            #expect(error?.message.hasPrefix(message) == true || error?.message.contains(message) == true, "\(text): \(error?.message ?? "")")
        }
    }

    @Test func aRuleSegmentFillsAndFollowsBehaviour() throws {
        let directory = TemporaryDirectory()
        let clockTime = TestClockTime(SegmentBuildTests.nowMs)
        let engine = try SegmentBuildTests().shop(directory, clock: WallClock { clockTime.value })
        let defined = try engine.defineSegment(key: "uk-phone-buyers", rule: "purchases >= 3 and country = 'GB' and mobile_share > 0.5", name: "UK phone buyers")
        #expect(defined.members == 8 && defined.joined == 8 && defined.left == 0)
        // browser1 starts buying on a phone in Britain; buyer1's next events come from a desktop in Germany.
        var lines = ["type,user_id,item_id,ts,value,price,device,country"]
        for n in 1...9 { lines.append("purchase,browser1,A,2026-11-07T1\(n):00:00Z,1,12,mobile,GB") }
        for n in 1...9 { lines.append("view,buyer1,B,2026-11-07T1\(n):30:00Z,,,desktop,DE") }
        let file = directory.write("more.csv", lines.joined(separator: "\n") + "\n")
        _ = try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
        clockTime.value += 60_000
        // As the server does right after filing: only the people filed are looked at.
        let browserPK = try engine.database.writer.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT user_pk FROM users WHERE pseudonym = ?", arguments: [engine.database.pseudonymizer.pseudonym(of: "browser1")])
        }
        let scoped = try engine.refreshRuleSegments(people: [try #require(browserPK)])
        #expect(scoped == [RuleSegmentReport(key: "uk-phone-buyers", name: "UK phone buyers", rule: defined.rule, members: 9, joined: 1, left: 0)])
        #expect(try engine.refreshRuleSegments(people: []) == [])
        let refreshed = try engine.refreshRuleSegments()
        #expect(refreshed == [RuleSegmentReport(key: "uk-phone-buyers", name: "UK phone buyers", rule: defined.rule, members: 8, joined: 0, left: 1)])
        let buyer = try engine.personSegments(userID: "buyer1")
        #expect(buyer.current.isEmpty && buyer.history.map(\.key) == ["uk-phone-buyers"])
        #expect(try engine.personSegments(userID: "browser1").current.map(\.name) == ["UK phone buyers"])

        #expect(throws: RequestProblem.self) { try engine.defineSegment(key: "cluster-9", rule: "purchases > 1") }
        #expect(throws: RequestProblem.self) { try engine.defineSegment(key: "Bad Key", rule: "purchases > 1") }
        let bad = #expect(throws: RequestProblem.self) { try engine.defineSegment(key: "x", rule: "purchases >") }
        #expect(bad?.field == "rule")
        #expect(try engine.segmentsReport().segments.map(\.key) == ["uk-phone-buyers"], "a refused rule wrote nothing")
    }
}

/// A clock a test moves by hand.
final class TestClockTime: @unchecked Sendable {
    var value: Int64
    init(_ value: Int64) { self.value = value }
}
