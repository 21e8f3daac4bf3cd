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

/// A clock a test moves by hand.
final class TestClockTime: @unchecked Sendable {
    var value: Int64
    init(_ value: Int64) { self.value = value }
}
