import Foundation
import GRDB
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

@Suite struct ImportUseCaseTests {
    static let clock = WallClock { TestDatabase.fixedNowMs }

    func engine(in directory: TemporaryDirectory) throws -> Engine {
        let location = DatabaseLocation(databasePath: directory.file("k.sqlite"), keyPath: directory.file("k.sqlite.key"))
        return try Engine.create(at: location, clock: Self.clock).engine
    }

    @Test func anImportRecordsItsJobAndAuditEntryInTheSameTransaction() throws {
        let directory = TemporaryDirectory()
        let engine = try engine(in: directory)
        let file = directory.write("e.csv", "user_id,item_id,type,ts\nu1,A,view,1793527200\n")
        let summary = try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
        #expect(summary.counts.imported == 1)
        #expect(try DatabaseSnapshot.count("jobs", in: engine.database, where: "kind = 'import_events' AND status = 'succeeded'") == 1)
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'import_events'") == 1)
        let status = try engine.status()
        #expect(status.lastImport?.file == file)
        #expect(status.lastImport?.imported == 1)
        #expect(status.eventsByType == ["view": 1])
    }

    /// An events import does not have SQLite check each row's references (its people and items
    /// are created in the same transaction, its types and devices parsed): every reference must
    /// hold all the same, and the connection checks again afterwards.
    @Test func anEventsImportLeavesEveryReferenceWholeAndChecksSwitchedBackOn() throws {
        let directory = TemporaryDirectory()
        let engine = try engine(in: directory)
        var rows = ["user_id,item_id,type,ts,device,value"]
        for (n, type) in EventType.allCases.enumerated() {
            let device = Device.allCases[n % Device.allCases.count].rawValue
            rows.append("u\(n % 4),I\(n % 5),\(type.rawValue),\(1_793_527_200 + n),\(device),\(type == .rating ? "4" : "")")
        }
        let file = directory.write("e.csv", rows.joined(separator: "\n") + "\n")
        let summary = try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
        #expect(summary.counts.imported == EventType.allCases.count)
        try engine.database.writer.read { (db: Database) throws -> Void in
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
        try engine.database.writer.writeWithoutTransaction { (db: Database) throws -> Void in
            #expect(try Int.fetchOne(db, sql: "PRAGMA foreign_keys") == 1)
        }
    }

    @Test func aRefusedImportLeavesNoTraceAtAll() throws {
        let directory = TemporaryDirectory()
        let engine = try engine(in: directory)
        let before = try DatabaseSnapshot.take(engine.database)
        let file = directory.write("bad.csv", "user_id,item_id,type,ts\nu1,A,view,1793527200\nu1,A,view,never\n")
        #expect(throws: ImportRefused.self) {
            try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .csv))
        }
        #expect(try DatabaseSnapshot.take(engine.database) == before)
    }

    @Test func anUnreadableFileIsADataError() throws {
        let directory = TemporaryDirectory()
        let engine = try engine(in: directory)
        let missing = directory.file("nope.csv")
        #expect(throws: DataError(file: missing, message: "cannot read the file (no such file)")) {
            try engine.importFile(at: missing, request: ImportRequest(kind: .events, fileName: missing, format: .csv))
        }
    }

    @Test func theOTTOSampleImportsAsJSONLines() throws {
        // The OTTO sample nests events per session; a flattened export of it is what a shop
        // would feed Kindred. Build one from the real file and import it.
        guard let shared = Repository.sharedData else { return }
        let directory = TemporaryDirectory()
        let engine = try engine(in: directory)
        let source = try String(contentsOfFile: shared + "/otto-sample/train.jsonl", encoding: .utf8)
        var lines: [String] = []
        let types = ["clicks": "click", "carts": "add_to_cart", "orders": "purchase"]
        for line in source.split(separator: "\n") {
            let session = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for event in session["events"] as! [[String: Any]] {
                let object: [String: Any] = [
                    "session_id": "\(session["session"]!)", "user_id": "otto-\(session["session"]!)",
                    "item_id": "\(event["aid"]!)", "ts": event["ts"]!, "type": types[event["type"] as! String]!,
                ]
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
            }
        }
        let file = directory.write("otto.jsonl", lines.joined(separator: "\n"))
        let summary = try engine.importFile(at: file, request: ImportRequest(kind: .events, fileName: file, format: .jsonl))
        #expect(summary.counts.rowsRead == 862)
        #expect(summary.counts.imported + summary.counts.duplicates == 862)
        #expect(try engine.status().eventsByType["purchase"] == 10)
    }
}
