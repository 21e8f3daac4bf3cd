import Foundation
import KindredTestSupport
import Testing

@Suite struct CommandLineTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String..., environment: [String: String] = [:]) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path, environment: environment)
    }

    @Test func initImportAndStatusWorkAsAScriptWouldUseThem() throws {
        let created = try kindred("init")
        #expect(created.status == 0)
        #expect(created.stdout.contains("created kindred.sqlite (schema version 23)"))
        #expect(FileManager.default.fileExists(atPath: directory.file("kindred.sqlite.key")))

        directory.write("events.csv", "user_id,item_id,type,ts\nu1,A,view,2026-11-01 10:00:00\nu2,A,purchase,2026-11-01 10:05:00\n")
        let imported = try kindred("import", "events", "events.csv", "--json")
        #expect(imported.status == 0)
        let summary = try JSONSerialization.jsonObject(with: Data(imported.stdout.utf8)) as! [String: Any]
        let counts = summary["counts"] as! [String: Any]
        #expect(counts["imported"] as? Int == 2)
        #expect(counts["rows_read"] as? Int == 2)
        #expect(!imported.stdout.contains("\r"), "no progress bar when stdout is not a terminal")

        let status = try kindred("status", "--json")
        #expect(status.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [String: Any]
        #expect((json["table_rows"] as! [String: Int])["events"] == 2)
        #expect((json["table_rows"] as! [String: Int])["event_inbox"] == 0, "imports write to events directly")
        #expect((json["events_by_type"] as! [String: Int]) == ["view": 1, "purchase": 1])
        #expect(json["schema_version"] as? Int == 23)

        let human = try kindred("status")
        #expect(human.stdout.contains("events        2 from 2026-11-01 to 2026-11-01 (0 anonymous)"))
        #expect(human.stdout.contains("last import   events from events.csv"))
    }

    @Test func badDataExitsWith65AndNamesFileLineAndField() throws {
        _ = try kindred("init")
        directory.write("events.csv", "user_id,item_id,type,ts\nu1,A,view,2026-11-01\nu1,A,vieww,2026-11-01\n")
        let result = try kindred("import", "events", "events.csv")
        #expect(result.status == 65)
        #expect(result.stderr.contains("kindred: events.csv:3: type: unknown event type 'vieww'"))
        #expect(result.stderr.contains("nothing was imported"))
        let skipped = try kindred("import", "events", "events.csv", "--skip-bad")
        #expect(skipped.status == 0)
        #expect(skipped.stdout.contains("rejected     1 (see events.csv.rejects.csv)"))
        #expect(FileManager.default.fileExists(atPath: directory.file("events.csv.rejects.csv")))
    }

    @Test func usageErrorsExitWith2() throws {
        _ = try kindred("init")
        #expect(try kindred("import", "events").status == 2)
        #expect(try kindred("import", "events", "x.csv", "--format", "xml").status == 2)
        let badMap = try kindred("import", "events", "x.csv", "--map", "colour=Colour")
        #expect(badMap.status == 2)
        #expect(badMap.stderr.contains("'colour' is not a events field"))
        #expect(try kindred("import", "events", "x.csv", "--type", "teleport").status == 2)
        #expect(try kindred("frobnicate").status == 2)
    }

    @Test func otherFailuresExitWith1AndSayWhatToDo() throws {
        let missing = try kindred("status")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no Kindred database at kindred.sqlite; create one with `kindred init --db kindred.sqlite`"))
        _ = try kindred("init")
        let again = try kindred("init")
        #expect(again.status == 1)
        #expect(again.stderr.contains("a database already exists at kindred.sqlite"))
        try FileManager.default.removeItem(atPath: directory.file("kindred.sqlite.key"))
        let noKey = try kindred("status")
        #expect(noKey.status == 1)
        #expect(noKey.stderr.contains("pseudonymization key file kindred.sqlite.key is missing"))
    }

    @Test func theEnvironmentNamesTheDatabaseAndTheKeyFile() throws {
        let env = ["KINDRED_DB": directory.file("shop.sqlite"), "KINDRED_KEY_FILE": directory.file("secret.key")]
        #expect(try kindred("init", environment: env).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.file("secret.key")))
        #expect(try kindred("status", environment: env).status == 0)
        let pseudonym = try kindred("pseudonym", "alice@example.com", environment: env)
        #expect(pseudonym.stdout.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
    }

    /// The root help is pinned in Fixtures/root-help.txt; after changing a command, update it with
    /// `COLUMNS=80 swift run kindred --help > Tests/KindredCLITests/Fixtures/root-help.txt`.
    @Test func theRootHelpListsEveryCommand() throws {
        let help = try kindred("--help")
        #expect(help.status == 0)
        let pinned = try String(
            contentsOfFile: Repository.root + "/Tests/KindredCLITests/Fixtures/root-help.txt", encoding: .utf8)
        #expect(help.stdout == pinned)
    }

    @Test func everyCommandHasHelp() throws {
        for command in [
            ["init"], ["import"], ["import", "catalog"], ["import", "events"], ["import", "consents"],
            ["status"], ["train"], ["evaluate"], ["models"], ["activate"], ["recommend"], ["similar"], ["latency"], ["demo"], ["backup"],
            ["restore"],
            ["generate"], ["pseudonym"], ["serve"], ["simulate"], ["keys"], ["keys", "create"], ["keys", "list"], ["keys", "revoke"],
            ["settings"], ["forget"], ["export"], ["purge"], ["experiments", "create"], ["experiments", "assign"],
            ["experiments", "plan"], ["experiments", "analyze"], ["experiments", "calibrate"], ["experiments", "start"],
            ["experiments", "stop"], ["experiments", "ship"], ["experiments", "list"], ["experiments", "report"],
            ["import", "impressions"], ["policies"], ["policies", "evaluate"], ["policies", "logs"],
            ["events", "export"], ["models", "list"], ["models", "import"], ["models", "compare"],
        ] {
            let help = try KindredProcess.run(command + ["--help"], in: directory.path)
            #expect(help.status == 0)
            #expect(help.stdout.contains("USAGE: kindred \(command.joined(separator: " "))"))
        }
    }
}
