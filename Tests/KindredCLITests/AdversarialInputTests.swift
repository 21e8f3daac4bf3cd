import Foundation
import KindredTestSupport
import Testing

/// Inputs a careless script or an adversary gives the command line: each is refused with a
/// message that says what is wrong, and nothing of the shop's data is harmed.
@Suite struct AdversarialInputTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    @Test func rejectsThatWouldOverwriteTheInputAreRefusedAndTheInputIsKept() throws {
        _ = try kindred("init")
        let source = "user_id,item_id,type,ts\nu1,A,view,2026-11-01\nu1,A,vieww,2026-11-01\n"
        directory.write("events.csv", source)
        let result = try kindred("import", "events", "events.csv", "--skip-bad", "--rejects", "events.csv")
        #expect(result.status == 65)
        #expect(result.stderr.contains("events.csv: the rejects file would overwrite the input file"), "\(result.stderr)")
        #expect(try String(contentsOfFile: directory.file("events.csv"), encoding: .utf8) == source)
        // The same file by another name.
        let other = try kindred("import", "events", "events.csv", "--skip-bad", "--rejects", "./sub/../events.csv")
        #expect(other.status == 65)
        #expect(try String(contentsOfFile: directory.file("events.csv"), encoding: .utf8) == source)
        let status = try kindred("status", "--json")
        #expect(status.stdout.contains(#""events":0"#) || status.stdout.contains(#""events" : 0"#))
    }

    @Test func aDirectoryOrAMissingFolderIsNamedPlainly() throws {
        _ = try kindred("init")
        try FileManager.default.createDirectory(atPath: directory.file("exports"), withIntermediateDirectories: true)
        let folder = try kindred("import", "events", "exports")
        #expect(folder.status == 65)
        #expect(folder.stderr.contains("exports: is a directory"), "\(folder.stderr)")
        #expect(!folder.stderr.contains("NSCocoaErrorDomain"))
        directory.write("events.csv", "user_id,item_id,type,ts\nu1,A,vieww,2026-11-01\n")
        let missing = try kindred("import", "events", "events.csv", "--skip-bad", "--rejects", "nowhere/rejects.csv")
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("the folder nowhere for the rejects file does not exist"), "\(missing.stderr)")
        #expect(!missing.stderr.contains("permission"))
    }

    @Test func aDuplicateHeaderColumnIsRefused() throws {
        _ = try kindred("init")
        directory.write("events.csv", "user_id,item_id,type,ts,Item_ID\nu1,A,view,2026-11-01,B\n")
        let result = try kindred("import", "events", "events.csv")
        #expect(result.status == 65)
        #expect(result.stderr.contains("events.csv:1: header: the column 'Item_ID' appears twice (columns 2 and 5)"), "\(result.stderr)")
    }

    @Test func aRatingOutsideFiveStarsIsRefused() throws {
        _ = try kindred("init")
        directory.write("events.csv", "user_id,item_id,type,ts,value\nu1,A,rating,2026-11-01,99\n")
        let result = try kindred("import", "events", "events.csv")
        #expect(result.status == 65)
        #expect(result.stderr.contains("events.csv:2: value: a rating is 0 to 5 stars, not 99"), "\(result.stderr)")
    }

    @Test func aNegativePriceIsRefusedInEventsAndTheCatalog() throws {
        _ = try kindred("init")
        directory.write("events.csv", "user_id,item_id,type,ts,price\nu1,A,purchase,2026-11-01,-2.5\n")
        let events = try kindred("import", "events", "events.csv")
        #expect(events.status == 65)
        #expect(events.stderr.contains("events.csv:2: price: a price cannot be negative (-2.5)"), "\(events.stderr)")
        directory.write("catalog.csv", "item_id,title,price\nA,Lamp,-1\n")
        let catalog = try kindred("import", "catalog", "catalog.csv")
        #expect(catalog.status == 65)
        #expect(catalog.stderr.contains("catalog.csv:2: price: a price cannot be negative (-1.0)"), "\(catalog.stderr)")
    }

    @Test func everyKHasTheSameBounds() throws {
        _ = try kindred("init")
        for command in ["similar", "recommend"] {
            for k in ["0", "1001", "5000"] {
                let result = try kindred(command, "A", "-k", k)
                #expect(result.status == 2, "\(command) -k \(k): \(result.stderr)")
                #expect(result.stderr.contains("k must be a whole number from 1 to 1000"), "\(command) -k \(k): \(result.stderr)")
            }
        }
    }

    /// The search's budgets take the ranges their settings take, in train and evaluate alike.
    @Test func searchBudgetsOutOfRangeAreRefused() throws {
        _ = try kindred("init")
        for command in ["train", "evaluate"] {
            for (flag, value, message) in [
                ("--budget", "0", "--budget must be a number of fits above 0"), ("--budget-time", "-1", "--budget-time must be a multiple"),
                ("--budget-time", "20000", "--budget-time must be a multiple"),
            ] {
                let result = try kindred(command, "\(flag)=\(value)")
                #expect(result.status == 2 && result.stderr.contains(message), "\(command) \(flag) \(value): \(result.stderr)")
            }
        }
        let set = try kindred("settings", "set", "models.search_budget_time", "many")
        #expect(set.status != 0 && set.stderr.contains("models.search_budget_time"), "\(set.stderr)")
    }

    @Test func idsFollowOneRuleInTheImport() throws {
        _ = try kindred("init")
        let longest = String(repeating: "é", count: 256)  // 256 characters, 512 bytes
        let tooLong = String(repeating: "x", count: 257)
        directory.write("ok.csv", "user_id,item_id,type,ts\n\(longest),A,view,2026-11-01\n")
        #expect(try kindred("import", "events", "ok.csv").status == 0)
        directory.write("long.csv", "user_id,item_id,type,ts\n\(tooLong),A,view,2026-11-01\n")
        let refused = try kindred("import", "events", "long.csv")
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("long.csv:2: user_id: longer than 256 characters (257)"), "\(refused.stderr)")
        // The person the import stored can be erased by the same id.
        let forgotten = try kindred("forget", longest)
        #expect(forgotten.status == 0, "\(forgotten.stderr)")
    }

    @Test func aMissingSampleShopIsNamedPlainly() throws {
        let result = try kindred("demo", "--data", "nowhere")
        #expect(result.status == 65)
        #expect(result.stderr.contains("nowhere: no such directory"), "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain") && !result.stderr.contains("Foundation"))
    }
}
