import Foundation
import KindredTestSupport
import Testing

/// `kindred import impressions` and `kindred policies evaluate` as a script would use them.
@Suite struct PoliciesCommandTests {
    let directory = TemporaryDirectory()

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments, in: directory.path)
    }

    static let log = """
        ,timestamp,item_id,position,click,propensity_score,user_feature_0,user-item_affinity_0,user-item_affinity_1
        0,2019-11-24 00:00:01+00:00,0,1,1,0.5,a,0.0,0.0
        1,2019-11-24 00:00:02+00:00,1,1,0,0.25,b,0.0,1.0
        2,2019-11-24 00:00:03+00:00,0,1,0,0.5,a,0.0,0.0
        3,2019-11-24 00:00:04+00:00,1,1,1,0.75,b,1.0,0.0

        """

    @Test func importThenEvaluateWithTheJSONFieldsScriptsReadAndTheTextPeopleRead() throws {
        #expect(try kindred("init").status == 0)
        directory.write("tiny.csv", Self.log)
        let imported = try kindred("import", "impressions", "tiny.csv", "--format", "obd")
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("imported bandit log 'tiny' from tiny.csv: 4 rounds, 2 items, 1 positions"), "\(imported.stdout)")

        let evaluated = try kindred("policies", "evaluate", "--target", "uniform", "--log", "tiny", "--interval", "asymptotic", "--folds", "1", "--json")
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as! [String: Any]
        for estimator in ["ips", "snips", "dm", "dr"] {
            let object = json[estimator] as! [String: Any]
            #expect(Set(object.keys) == ["value", "ci_low", "ci_high"], "\(estimator)")
        }
        #expect(abs(((json["ips"] as! [String: Any])["value"] as! Double) - 5.0 / 12) < 1e-12)
        #expect(abs((json["ess"] as! Double) - 196.0 / 58) < 1e-9)
        #expect(json["max_weight"] as? Double == 2)
        #expect((json["interval"] as! [String: Any])["method"] as? String == "asymptotic")

        let text = try kindred("policies", "evaluate", "--target", "logged", "--logs", "tiny.csv", "--format", "obd")
        #expect(text.status == 0)
        #expect(text.stdout.contains("ips        0.500000"), "\(text.stdout)")
        #expect(text.stdout.contains("95% interval (bootstrap percentiles, 1000 resamples, seed 1)"))

        let listed = try kindred("policies", "logs")
        #expect(listed.stdout.hasPrefix("tiny  obd  4 rounds  2 items  1 positions  mean reward 0.5000"))
    }

    @Test func theCommandLineRefusesWhatTheEngineRefuses() throws {
        #expect(try kindred("init").status == 0)
        directory.write("tiny.csv", Self.log)
        let noLog = try kindred("policies", "evaluate", "--target", "uniform")
        #expect(noLog.status == 65 && noLog.stderr.contains("the shop's impression log holds no recommendations list that explored"), "\(noLog.stderr)")
        let both = try kindred("policies", "evaluate", "--target", "uniform", "--log", "a", "--logs", "tiny.csv", "--format", "obd")
        #expect(both.status == 2 && both.stderr.contains("give one log"))
        let greedyOnFile = try kindred("policies", "evaluate", "--target", "greedy", "--logs", "tiny.csv", "--format", "obd")
        #expect(greedyOnFile.status == 65 && greedyOnFile.stderr.contains("greedy needs each round's candidates"), "\(greedyOnFile.stderr)")
        let unknownTarget = try kindred("policies", "evaluate", "--target", "softmax", "--logs", "tiny.csv", "--format", "obd")
        #expect(unknownTarget.status == 2 && unknownTarget.stderr.contains("unknown target policy 'softmax'"))
        let badFolds = try kindred("policies", "evaluate", "--target", "uniform", "--logs", "tiny.csv", "--format", "obd", "--folds", "0")
        #expect(badFolds.status == 2 && badFolds.stderr.contains("--folds: folds is 1 to 10, not 0"))
        let badFormat = try kindred("import", "impressions", "tiny.csv", "--format", "csv")
        #expect(badFormat.status == 2 && badFormat.stderr.contains("--format must be obd"))
        let missing = try kindred("policies", "evaluate", "--target", "uniform", "--log", "nope")
        #expect(missing.status == 65 && missing.stderr.contains("no imported bandit log named 'nope'"))

        directory.write("bad.csv", Self.log.replacingOccurrences(of: "0,1,0,0.5,a", with: "0,1,0,1.5,a"))
        let bad = try kindred("import", "impressions", "bad.csv", "--format", "obd")
        #expect(bad.status == 65 && bad.stderr.contains("bad.csv:4: propensity_score: '1.5' is not a probability"), "\(bad.stderr)")
        #expect(try kindred("policies", "logs").stdout.contains("no bandit logs imported"))
    }
}
