import Foundation
import KindredTestSupport
import Testing

/// `kindred experiments analyze`, `plan` and `calibrate` as a script would run them.
@Suite struct ExperimentStatisticsCommandTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    func json(_ result: KindredProcess.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    @Test func analyzeGivesGrowthBooksNumbersForItsPublishedCase() throws {
        // GrowthBook's published two-sided t-test case (packages/stats/tests/frequentist/test_tests.py):
        // means 0.41 and 0.7, standard deviations 3.9 and 6.2, 3,407 and 3,461 users.
        directory.write("means.csv", "variant,users,mean,sd\ncontrol,3407,0.41,3.9\nb,3461,0.7,6.2\n")
        let result = try kindred("experiments", "analyze", "means.csv", "--json", "--weights", "50,50")
        #expect(result.status == 0, "\(result.stderr)")
        let analysis = try json(result)
        #expect(analysis["method"] as? String == "welch_t")
        let srm = analysis["srm"] as! [String: Any]
        #expect(srm["flagged"] as? Bool == false)
        // Expected 3,434 a side: chi-square = 2 * 27^2 / 3434 = 0.42458 on 1 df, p = 0.5147.
        #expect(abs((srm["p_value"] as! Double) - 0.5147) < 0.0001)
        let variants = analysis["variants"] as! [[String: Any]]
        #expect(variants.map { $0["variant"] as! String } == ["control", "b"])
        #expect(variants[0]["absolute"] == nil, "the control is not compared with itself")
        let relative = variants[1]["relative"] as! [String: Double]
        let absolute = variants[1]["absolute"] as! [String: Double]
        #expect(abs(relative["effect"]! - 0.70732) < 5e-6)
        #expect(abs(relative["ci_low"]! - -0.03526) < 5e-6 && abs(relative["ci_high"]! - 1.44989) < 5e-6)
        #expect(abs(relative["p_value"]! - 0.06191) < 5e-6)
        #expect(abs(absolute["ci_low"]! - 0.04538) < 5e-6 && abs(absolute["p_value"]! - 0.02016) < 5e-6)

        let text = try kindred("experiments", "analyze", "means.csv")
        #expect(text.stdout.contains("Welch's t-test"))
        #expect(text.stdout.contains("(no mismatch)"))
        #expect(text.stdout.contains("b against control on the mean: no clear difference yet (+70.7%, 95% CI -3.5% to +145.0%, p = 0.0619)"))
    }

    @Test func analyzeFlagsASampleRatioMismatchBeforeAnyEffect() throws {
        directory.write("rates.csv", "variant,users,conversions\ncontrol,10000,400\npersonal,11000,520\n")
        let result = try kindred("experiments", "analyze", "rates.csv")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines[1].contains("MISMATCH"))
        #expect(result.stdout.contains("Sample ratio mismatch"))
        #expect(!result.stdout.contains("beats"), "no effect is read out over a broken split")
        let planned = try json(try kindred("experiments", "analyze", "rates.csv", "--weights", "10,11", "--json"))
        #expect((planned["srm"] as! [String: Any])["flagged"] as? Bool == false, "the same counts fit a 10:11 plan")
        #expect((planned["summary"] as! [String])[0].hasPrefix("personal beats control on conversion by 18.2%"))
    }

    @Test func analyzeCorrectsForSeveralVariantsAndSaysSo() throws {
        directory.write("three.csv", "variant,users,conversions\na,5000,250\nb,5000,300\nc,5000,290\n")
        let plain = try json(try kindred("experiments", "analyze", "three.csv", "--json"))
        let holm = try json(try kindred("experiments", "analyze", "three.csv", "--json", "--correction", "holm"))
        let plainP = (plain["variants"] as! [[String: Any]]).dropFirst().map { ($0["relative"] as! [String: Double])["p_value"]! }
        let holmP = (holm["variants"] as! [[String: Any]]).dropFirst().map { $0["adjusted_p_value"] as! Double }
        #expect(holm["correction"] as? String == "holm")
        #expect(holmP[0] == min(1, 2 * plainP.min()!) || holmP[1] == min(1, 2 * plainP.min()!))
        #expect(zip(holmP, plainP).allSatisfy { $0 >= $1 })
        #expect((plain["variants"] as! [[String: Any]])[1]["adjusted_p_value"] == nil)
    }

    @Test func analyzeNamesTheLineAndFieldOfBadInput() throws {
        let cases: [(String, String)] = [
            ("variant,users,conversions\ncontrol,100,5\nb,100,x\n", "bad.csv:3: conversions: 'x' is not a whole number"),
            ("variant,users,conversions\ncontrol,100,5\nb,100,101\n", "bad.csv:3: conversions: 101 conversions among 100 users"),
            ("variant,users,conversions\ncontrol,100,5\ncontrol,90,4\n", "bad.csv:3: variant: 'control' appears twice"),
            ("variant,users,mean,sd\ncontrol,100,5,1\nb,100,5,-1\n", "bad.csv:3: sd: a standard deviation is 0 or more"),
            ("variant,users,mean,sd\ncontrol,1,5,1\nb,100,5,1\n", "bad.csv:2: users: a variant needs at least 2 users"),
            ("variant,users,mean,sd\ncontrol,100,nan,1\nb,100,5,1\n", "bad.csv:2: mean: 'nan' is not a number"),
            ("variant,users,clicks\ncontrol,100,5\n", "bad.csv:1: header: the columns are variant,users,clicks"),
            ("variant,users,conversions\ncontrol,100,5\n", "bad.csv: 1 variant; a control (the first row) and at least one treatment"),
            ("", "bad.csv: the file is empty"),
        ]
        for (content, message) in cases {
            directory.write("bad.csv", content)
            let result = try kindred("experiments", "analyze", "bad.csv")
            #expect(result.status == 65, "\(message)")
            #expect(result.stderr.contains("kindred: " + message), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        directory.write("good.csv", "variant,users,conversions\ncontrol,100,5\nb,100,6\n")
        let weights = try kindred("experiments", "analyze", "good.csv", "--weights", "50,50,0")
        #expect(weights.status == 2 && weights.stderr.contains("is not a list of positive weights"))
        let count = try kindred("experiments", "analyze", "good.csv", "--weights", "1,1,1")
        #expect(count.status == 65 && count.stderr.contains("3 weights for 2 variants"))
        #expect(try kindred("experiments", "analyze", "good.csv", "--level", "1").status == 2)
        #expect(try kindred("experiments", "analyze", "good.csv", "--correction", "bonferroni").status == 2)
        let badScope = try kindred("experiments", "analyze", "good.csv", "--correction", "holm", "--correction-scope", "everything")
        #expect(badScope.status == 2 && badScope.stderr.contains("--correction-scope: 'everything' is not metric or all"))
        #expect(try kindred("experiments", "analyze", "missing.csv").status == 65)
    }

    @Test func planSizesWithoutADatabaseAsStatsmodelsDoes() throws {
        let result = try kindred("experiments", "plan", "--baseline", "0.04", "--lift", "0.1", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        let plan = try json(result)
        // statsmodels NormalIndPower on proportion_effectsize(0.044, 0.04): 39,454.06 per variant.
        #expect(plan["people_per_variant"] as? Int == 39_455)
        #expect(plan["days"] == nil)
        let text = try kindred("experiments", "plan", "--baseline", "0.04", "--lift", "0.1")
        #expect(text.stdout.hasPrefix("39,455 people per variant (78,910 in all, 2 variants) to detect +10.0% on a 4% conversion rate"))
        #expect(text.stdout.contains("days: unknown, no events with a person in the database"))
        let refused = try kindred("experiments", "plan", "--baseline", "0.95", "--lift", "0.1")
        #expect(refused.status == 2 && refused.stderr.contains("lift"))
    }

    @Test func planCountsDaysFromTheShopsEligibleTraffic() throws {
        _ = try kindred("init")
        // 56 people over four weeks, one a day per day: 2 a day; one withdrew experiments consent
        // (the default policy lets the others in).
        var events = "user_id,item_id,type,ts\n"
        for person in 0..<56 { events += "u\(person),A,view,2026-11-\(String(format: "%02d", 1 + person % 28)) 10:00:00\n" }
        directory.write("events.csv", events)
        directory.write("consents.csv", "user_id,purpose,granted,ts\nu3,experiments,withdrawn,2026-11-02T09:00:00Z\n")
        #expect(try kindred("import", "events", "events.csv").status == 0)
        let consents = try kindred("import", "consents", "consents.csv")
        #expect(consents.status == 0, "\(consents.stderr)")
        let plan = try json(try kindred("experiments", "plan", "--baseline", "0.2", "--lift", "0.5", "--json"))
        let perDay = plan["eligible_people_per_day"] as! Double
        #expect(abs(perDay - 55.0 / 28) < 1e-9, "\(perDay)")
        let total = plan["people_in_total"] as! Int
        #expect(plan["days"] as? Int == Int((Double(total) / perDay).rounded(.up)))
        let half = try json(try kindred("experiments", "plan", "--baseline", "0.2", "--lift", "0.5", "--traffic-share", "0.5", "--json"))
        #expect(half["days"] as? Int == Int((Double(total) / (perDay / 2)).rounded(.up)))
    }

    @Test func calibrateShowsPeekingInflateTheFixedTestOnly() throws {
        let result = try kindred("experiments", "calibrate", "--experiments", "400", "--days", "10", "--people-per-day", "200", "--json")
        #expect(result.status == 0)
        let rates = try json(result)["rates"] as! [String: Double]
        #expect(rates["fixed_peeking_daily"]! > rates["fixed_once"]!)
        #expect(rates["sequential_peeking_daily"]! <= 0.05)
        let again = try json(try kindred("experiments", "calibrate", "--experiments", "400", "--days", "10", "--people-per-day", "200", "--json"))
        #expect(again["rates"] as! [String: Double] == rates, "the same seed gives the same simulation")
    }

    /// README's examples are this command's output, character for character.
    @Test func readmeShowsWhatTheCommandsPrint() throws {
        let readme = try String(contentsOfFile: Repository.root + "/README.md", encoding: .utf8)
        // What follows a shown command, up to the next command or the end of the block.
        func block(after command: String) throws -> String {
            let start = try #require(readme.range(of: "$ " + command + "\n"), "README shows `\(command)`").upperBound
            let fence = try #require(readme.range(of: "\n```", range: start..<readme.endIndex)).lowerBound
            let next = readme.range(of: "\n$ ", range: start..<fence)?.lowerBound ?? fence
            return String(readme[start..<next])
        }
        directory.write("past-test.csv", try block(after: "cat past-test.csv") + "\n")
        let analysis = try kindred("experiments", "analyze", "past-test.csv", "--weights", "50,50")
        #expect(analysis.stdout == (try block(after: "kindred experiments analyze past-test.csv --weights 50,50")) + "\n")
        let calibration = try kindred("experiments", "calibrate", "--experiments", "2000", "--days", "14", "--people-per-day", "500", "--baseline", "0.05")
        #expect(
            calibration.stdout
                == (try block(after: "kindred experiments calibrate --experiments 2000 --days 14 --people-per-day 500 --baseline 0.05")) + "\n")
    }
}
