import Crypto
import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// `kindred events export` and `kindred models import` on a shop small enough to check by
/// hand: three people, four items, seven events over 41 days.
@Suite struct EventExportTests {
    let directory = TemporaryDirectory()
    let engine: Engine
    /// 2026-09-21T00:00:00Z.
    static let start: Int64 = 1_789_948_800
    static let day: Int64 = 86_400

    init() throws {
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        (engine, _) = try Engine.create(at: location)
        let catalog = directory.write(
            "catalog.csv",
            "item_id,title,category,price\nA,Mug,kitchen,10\nB,\"Bowl, large\",kitchen,12\nC,Trowel,garden,9\nD,Rake,garden,20\n")
        _ = try engine.importFile(at: catalog, request: ImportRequest(kind: .catalog, fileName: catalog, format: .csv))
        let s = Self.start
        let d = Self.day
        let events = directory.write(
            "events.csv",
            """
            user_id,item_id,type,ts,value
            alice,A,view,\(s + 3600),
            alice,B,purchase,\(s + 7200),
            bob,A,view,\(s + d + 60),
            bob,D,dwell,\(s + 2 * d + 60),120
            carol,D,purchase,\(s + 2 * d + 600),
            alice,C,view,\(s + 40 * d + 60),
            bob,C,add_to_cart,\(s + 40 * d + 120),

            """)
        _ = try engine.importFile(at: events, request: ImportRequest(kind: .events, fileName: events, format: .csv))
    }

    func rows(_ folder: String, day: String) throws -> [[String]] {
        let text = try String(contentsOfFile: "\(folder)/events/day=\(day)/part-00000.csv", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in CSVSplit.fields(String(line)) }
    }

    @Test func eventsGoToOneFilePerDayWithTheirWeightsAndAManifestThatChecksThem() throws {
        let folder = directory.file("export")
        // Two people: too few for the choice to take the time split, which is what is checked.
        var options = EventExportOptions(folder: folder)
        options.split = .time
        let report = try engine.exportEvents(options)
        #expect(report.rows == 7)
        #expect(report.partitions == 4)
        #expect(report.validationSplit == "time")
        let days = try FileManager.default.contentsOfDirectory(atPath: folder + "/events").sorted()
        #expect(days == ["day=2026-09-21", "day=2026-09-22", "day=2026-09-23", "day=2026-10-31"])

        let alice = engine.database.pseudonymizer.pseudonym(of: "alice")
        let bob = engine.database.pseudonymizer.pseudonym(of: "bob")
        let carol = engine.database.pseudonymizer.pseudonym(of: "carol")
        // person, item, type, value, ts_ms, weight, validation_weight. Weights by hand: a view
        // 1, a purchase 8, 120 s of dwell at 1 a minute 2, an add to cart 4. The cut is 30
        // days before the last event: the two events of day 40 are held out of validation.
        let first = try rows(folder, day: "2026-09-21")
        #expect(
            first == [
                [alice, "A", "view", "0", "\((Self.start + 3600) * 1000)", "1", "1"],
                [alice, "B", "purchase", "0", "\((Self.start + 7200) * 1000)", "8", "8"],
            ], "\(first)")
        #expect(
            try rows(folder, day: "2026-09-23").map { [$0[0], $0[1], $0[2], $0[5], $0[6]] } == [
                [bob, "D", "dwell", "2", "2"], [carol, "D", "purchase", "8", "8"],
            ])
        #expect(
            try rows(folder, day: "2026-10-31").map { [$0[0], $0[1], $0[5], $0[6]] } == [[alice, "C", "1", "0"], [bob, "C", "4", "0"]])

        // Raw ids never leave.
        for day in days {
            let text = try String(contentsOfFile: "\(folder)/events/\(day)/part-00000.csv", encoding: .utf8)
            #expect(!text.contains("alice") && !text.contains("bob") && !text.contains("carol"))
        }

        let manifest =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))) as! [String: Any]
        #expect(manifest["kind"] as? String == "kindred-events-export")
        #expect(manifest["rows"] as? Int == 7)
        #expect((manifest["schema"] as? [[String: Any]])?.map { $0["name"] as! String } == EventExportSchema.columns.map(\.name))
        #expect(manifest["data_to_ms"] as? Int64 == (Self.start + 40 * Self.day + 120) * 1000)
        let validation = manifest["validation"] as! [String: Any]
        #expect(validation["method"] as? String == "time")
        #expect(validation["cut_ms"] as? Int64 == (Self.start + 10 * Self.day + 120) * 1000)
        for partition in manifest["partitions"] as! [[String: Any]] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + (partition["path"] as! String)))
            #expect(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() == partition["sha256"] as? String)
            #expect(bytes.count == partition["bytes"] as? Int)
            #expect(bytes.split(separator: UInt8(ascii: "\n")).count - 1 == partition["rows"] as? Int)
        }
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'events_export'") == 1)
    }

    @Test func sinceKeepsLaterDaysAndJSONLinesCarryTheSameColumns() throws {
        let folder = directory.file("recent")
        var options = EventExportOptions(folder: folder)
        options.format = .jsonl
        options.sinceMs = (Self.start + 2 * Self.day) * 1000
        let report = try engine.exportEvents(options)
        #expect(report.rows == 4)
        let text = try String(contentsOfFile: folder + "/events/day=2026-09-23/part-00000.jsonl", encoding: .utf8)
        let first = try JSONSerialization.jsonObject(with: Data(text.split(separator: "\n")[0].utf8)) as! [String: Any]
        #expect(Set(first.keys) == Set(EventExportSchema.columns.map(\.name)))
        #expect(first["type"] as? String == "dwell")
        #expect((first["weight"] as? NSNumber)?.doubleValue == 2)
    }

    @Test func aFolderThatHoldsAnythingIsRefusedAndAFailedExportLeavesNoFolder() throws {
        let folder = directory.file("busy")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        _ = directory.write("busy/old.csv", "x\n")
        #expect(throws: RequestProblem.self) { try engine.exportEvents(EventExportOptions(folder: folder)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["old.csv"])
        #expect(throws: RequestProblem.self) { try engine.exportEvents(EventExportOptions(folder: directory.file("no/such/place"))) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("no")))
    }

    /// Factors written by hand, as a Spark job would: alice points at A, bob at D.
    func writeFactors(_ folder: String, items: String? = nil) throws {
        let exported = folder + "-export"
        _ = try engine.exportEvents(EventExportOptions(folder: exported))
        var export =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: exported + "/manifest.json")))
            as! [String: Any]
        export["partitions"] = nil
        export["schema"] = nil
        let manifest: [String: Any] = [
            "kind": "kindred-factors", "algorithm": "als", "engine": "hand",
            "parameters": ["factors": 2, "regularization": 0.1, "alpha": 1.0, "iterations": 1], "export": export,
        ]
        try FileManager.default.createDirectory(atPath: folder + "/full/users", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/full/items", withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: folder + "/manifest.json"))
        let alice = engine.database.pseudonymizer.pseudonym(of: "alice")
        let bob = engine.database.pseudonymizer.pseudonym(of: "bob")
        _ = directory.write(
            String(folder.dropFirst(directory.path.count + 1)) + "/full/users/part-00000.json",
            "{\"person\":\"\(alice)\",\"factors\":[1.0,0.0]}\n{\"person\":\"\(bob)\",\"factors\":[0.0,1.0]}\n{\"person\":\"somebody-erased\",\"factors\":[1,1]}\n"
        )
        _ = directory.write(String(folder.dropFirst(directory.path.count + 1)) + "/full/items/_SUCCESS", "")
        _ = directory.write(
            String(folder.dropFirst(directory.path.count + 1)) + "/full/items/part-00000.json",
            items
                ?? "{\"item\":\"A\",\"factors\":[1,0]}\n{\"item\":\"B\",\"factors\":[0.2,0]}\n{\"item\":\"C\",\"factors\":[0.5,0.5]}\n{\"item\":\"D\",\"factors\":[0,1]}\n{\"item\":\"GONE\",\"factors\":[1,1]}\n"
        )
    }

    @Test func importedFactorsBecomeAVersionThatServesWhatTheyScore() throws {
        let folder = directory.file("factors")
        try writeFactors(folder)
        let report = try engine.importModel(ModelImportOptions(folder: folder))
        #expect(report.activated)
        #expect(report.algorithm == "als")
        #expect(report.parameters == ["factors": 2, "regularization": 0.1, "alpha": 1, "iterations": 1])
        let alice = try engine.recommend(RecommendationRequest(userID: "alice", k: 2))
        #expect(alice.personalized && alice.modelVersion == report.version)
        // alice . A = 1, . C = 0.5, . D = 0; B she bought.
        #expect(alice.items.first?.itemID == "A", "\(alice.items.map(\.itemID))")
        let bob = try engine.recommend(RecommendationRequest(userID: "bob", k: 2))
        #expect(bob.items.first?.itemID == "D", "\(bob.items.map(\.itemID))")
        let record = try #require(try engine.models().first)
        let metrics = try JSONSerialization.jsonObject(with: Data(record.metrics.utf8)) as! [String: Any]
        #expect(metrics["engine"] as? String == "hand")
        #expect(metrics["people_matched"] as? Int == 2 && metrics["people_left_out"] as? Int == 1)
        #expect(metrics["items_matched"] as? Int == 4 && metrics["items_left_out"] as? Int == 1)
        #expect(
            try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'train' AND details LIKE '%\"engine\":\"hand\"%'")
                == 1)
    }

    @Test func aBrokenFactorFileIsNamedByLineAndNothingIsStored() throws {
        let folder = directory.file("broken")
        try writeFactors(folder, items: "{\"item\":\"A\",\"factors\":[1,0]}\n{\"item\":\"B\",\"factors\":[1,0,3]}\n")
        let error = try #require(throws: DataError.self) { try engine.importModel(ModelImportOptions(folder: folder)) }
        #expect(error.file.hasSuffix("full/items/part-00000.json"))
        #expect(error.line == 2 && error.field == "factors")
        try writeFactors(directory.file("worse"), items: "{\"item\":\"A\",\"factors\":[1,true]}\n")
        #expect(throws: DataError.self) { try engine.importModel(ModelImportOptions(folder: directory.file("worse"))) }
        #expect(try engine.models().isEmpty)
    }
}

/// Splits one line of RFC 4180 CSV (quoted fields, doubled quotes).
enum CSVSplit {
    static func fields(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = Array(line).makeIterator()
        var pending: Character? = nil
        while let character = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { quoted = false; pending = next }
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
