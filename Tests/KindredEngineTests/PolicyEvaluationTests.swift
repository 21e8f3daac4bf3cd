import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Importing bandit logs and estimating policies on them, on a real database file.
@Suite struct PolicyEvaluationTests {
    let directory = TemporaryDirectory()
    let engine: Engine

    init() throws {
        let location = DatabaseLocation(databasePath: directory.file("shop.sqlite"), keyPath: directory.file("shop.sqlite.key"))
        (engine, _) = try Engine.create(at: location)
    }

    /// Two items, one position, four rounds. Under the uniform policy (1/2 per item) the
    /// weights are 0.5/0.5, 0.5/0.25, 0.5/0.5, 0.5/0.75 = 1, 2, 1, 2/3 and the rewards 1, 0, 0, 1:
    /// IPS = (1 + 2/3) / 4 = 5/12, SNIPS = (5/3) / (14/3) = 5/14, ESS = (14/3)^2 / (58/9) = 196/58.
    static let tinyLog = """
        ,timestamp,item_id,position,click,propensity_score,user_feature_0,user-item_affinity_0,user-item_affinity_1
        0,2019-11-24 00:00:01+00:00,0,1,1,0.5,a,0.0,0.0
        1,2019-11-24 00:00:02+00:00,1,1,0,0.25,b,0.0,1.0
        2,2019-11-24 00:00:03+00:00,0,1,0,0.5,a,0.0,0.0
        3,2019-11-24 00:00:04+00:00,1,1,1,0.75,b,1.0,0.0

        """

    @Test func anImportedLogIsStoredAsReadAndEvaluatedByHand() throws {
        let path = directory.write("tiny.csv", Self.tinyLog)
        let summary = try engine.importBanditLog(at: path, format: .obd)
        #expect(summary.name == "tiny" && summary.rounds == 4 && summary.items == 2 && summary.slots == 1)
        #expect(summary.contextFields == ["user_feature_0"] && summary.meanReward == 0.5 && !summary.replaced)
        let stored = try engine.database.writer.read { db in try BanditLogStore.load(name: "tiny", in: db) }
        let read = try BanditLogFile.readOBD(Data(Self.tinyLog.utf8), fileName: path)
        #expect(stored == read)
        #expect(read.rows[1] == BanditLogFile.Row(
            timestampMs: 1_574_553_602_000, itemID: "1", position: 1, reward: 0, propensity: 0.25, context: ["b"], affinity: [0, 1]))
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'import_impressions'") == 1)

        let uniform = try engine.evaluatePolicy(
            PolicyEvaluationRequest(source: .imported(name: "tiny"), target: .uniform, interval: .asymptotic, folds: 1))
        #expect(abs(uniform.ips.value - 5.0 / 12) < 1e-12)
        #expect(abs(uniform.snips.value - 5.0 / 14) < 1e-12)
        #expect(abs(uniform.ess - 196.0 / 58) < 1e-12)
        #expect(uniform.maxWeight == 2)
        #expect(uniform.target == "uniform" && uniform.log.meanReward == 0.5 && uniform.interval.method == "asymptotic")
        #expect(uniform.rewardModel.features == [
            "intercept", "item (one-hot)", "position (one-hot)", "user_feature_0 (one-hot)", "the round's affinity for the item",
        ])

        let logged = try engine.evaluatePolicy(PolicyEvaluationRequest(source: .file(path: path, format: .obd), target: .logged))
        #expect(logged.ips.value == 0.5 && logged.snips.value == 0.5 && abs(logged.dr.value - 0.5) < 1e-12)
        #expect(logged.interval == .init(method: "bootstrap", level: 0.95, resamples: 1_000, seed: 1))
        #expect(logged.ips.ciLow < 0.5 && logged.ips.ciHigh > 0.5)
    }

    @Test func aTargetReadFromAnotherLogUsesItsPropensitiesByTime() throws {
        let path = directory.write("tiny.csv", Self.tinyLog)
        // The other policy put item 0 first with probability 0.9 until 00:00:02.5, then 0.1;
        // item 1 was recorded once, at 0.1 then.
        let other = directory.write(
            "other.csv",
            """
            ,timestamp,item_id,position,click,propensity_score,user_feature_0,user-item_affinity_0,user-item_affinity_1
            0,2019-11-24 00:00:00+00:00,0,1,0,0.9,a,0,0
            1,2019-11-24 00:00:02.500+00:00,0,1,0,0.1,a,0,0
            2,2019-11-24 00:00:00+00:00,1,1,0,0.1,a,0,0

            """)
        _ = try engine.importBanditLog(at: other, format: .obd, name: "other")
        let report = try engine.evaluatePolicy(
            PolicyEvaluationRequest(source: .file(path: path, format: .obd), target: .log("other"), interval: .asymptotic))
        // Recorded probabilities at 1 s and 2 s: item 0 0.9 (recorded at 0 s), item 1 0.1, sum 1;
        // at 3 s and 4 s: item 0 0.1 (recorded at 2.5 s), item 1 0.1, sum 0.2, normalized 0.5 each.
        // Weights of the logged items 0.9/0.5, 0.1/0.25, 0.5/0.5, 0.5/0.75 = 1.8, 0.4, 1, 2/3;
        // rewards 1, 0, 0, 1: IPS = (1.8 + 2/3) / 4.
        #expect(abs(report.ips.value - (1.8 + 2.0 / 3) / 4) < 1e-12)
        #expect(abs(report.targetRecordedMass! - 0.6) < 1e-12)
        #expect(report.targetRowsUnmatched == 0)
        #expect(report.warnings.contains { $0.contains("sum to 0.60 per position on average, not 1") })
        let byFile = try engine.evaluatePolicy(
            PolicyEvaluationRequest(source: .imported(name: "other"), target: .log(path), interval: .asymptotic))
        #expect(byFile.target == "log:\(path)")
    }

    @Test func badRowsAreNamedAndNothingIsImported() throws {
        let path = directory.write(
            "bad.csv",
            """
            ,timestamp,item_id,position,click,propensity_score,user_feature_0,user-item_affinity_0
            0,2019-11-24 00:00:01+00:00,0,1,1,0.5,a,0.0
            1,yesterday,0,1,0,0.5,a,0.0
            2,2019-11-24 00:00:03+00:00,0,0,2,0,a,x
            3,2019-11-24 00:00:04+00:00,7,1,0,0.5,a,0.0

            """)
        #expect {
            try engine.importBanditLog(at: path, format: .obd)
        } throws: { error in
            let text = "\(error)"
            return text.contains("bad.csv:3: timestamp:") && text.contains("bad.csv:4: position:")
                && text.contains("bad.csv:4: click: '2' is not 0 or 1") && text.contains("bad.csv:4: propensity_score:")
                && text.contains("bad.csv:4: user-item_affinity_0: 'x' is not a number")
                && text.contains("bad.csv:5: item_id: '7' has no user-item_affinity column")
                && text.contains("nothing was imported; fix the file and import it again")
        }
        #expect(try DatabaseSnapshot.count("bandit_logs", in: engine.database) == 0)
        #expect(try DatabaseSnapshot.count("bandit_log_rounds", in: engine.database) == 0)

        let headerless = directory.write("wrong.csv", "a,b\n1,2\n")
        #expect {
            try engine.importBanditLog(at: headerless, format: .obd)
        } throws: { error in
            "\(error)".contains("wrong.csv:1: header: missing columns timestamp, item_id, position, click, propensity_score")
        }
    }

    @Test func aNameIsTakenOnceUnlessReplaced() throws {
        let path = directory.write("tiny.csv", Self.tinyLog)
        _ = try engine.importBanditLog(at: path, format: .obd, name: "zozo")
        #expect(throws: BanditLogClash(name: "zozo")) { try engine.importBanditLog(at: path, format: .obd, name: "zozo") }
        let again = try engine.importBanditLog(at: path, format: .obd, name: "zozo", replace: true)
        #expect(again.replaced)
        #expect(try DatabaseSnapshot.count("bandit_log_rounds", in: engine.database) == 4)
        #expect(try engine.banditLogs().map(\.name) == ["zozo"])
        #expect(throws: RequestProblem.self) { try engine.importBanditLog(at: path, format: .obd, name: "no spaces") }
    }

    @Test func unknownLogsAndOutOfRangeSettingsAreRefused() throws {
        #expect {
            try engine.evaluatePolicy(PolicyEvaluationRequest(source: .imported(name: "nope"), target: .uniform))
        } throws: { error in
            (error as? RequestProblem)?.kind == .notFound && "\(error)".contains("import one with `kindred import impressions")
        }
        let path = directory.write("tiny.csv", Self.tinyLog)
        #expect {
            try engine.evaluatePolicy(PolicyEvaluationRequest(source: .file(path: path, format: .obd), target: .log("missing")))
        } throws: { error in (error as? RequestProblem)?.code == "unknown_log" }
        #expect(throws: RequestProblem.self) {
            try engine.evaluatePolicy(PolicyEvaluationRequest(source: .file(path: path, format: .obd), target: .uniform, folds: 0))
        }
        #expect(throws: RequestProblem.self) { try PolicyTarget.parse("softmax") }
        #expect(try PolicyTarget.parse("log:bts") == .log("bts"))
    }
}

/// The Open Bandit Dataset's small sample (ZOZOTOWN, campaign "all"): a uniform-random log and a
/// Bernoulli Thompson sampling log over the same 80 items and 3 positions. The uniform policy's
/// value estimated from the Thompson sampling log is checked against the uniform log's own click
/// rate. Skipped when ../shared/data is absent.
@Suite(.enabled(if: Repository.sharedData != nil, "needs ../shared/data/open-bandit"))
struct OpenBanditDatasetTests {
    @Test func theUniformPolicysClickRateIsRecoveredFromTheThompsonLog() throws {
        let directory = TemporaryDirectory()
        let location = DatabaseLocation(databasePath: directory.file("obd.sqlite"), keyPath: directory.file("obd.sqlite.key"))
        let engine = try Engine.create(at: location).engine
        let folder = Repository.sharedData! + "/open-bandit/all"
        let random = try engine.importBanditLog(at: folder + "/random.csv", format: .obd)
        let bts = try engine.importBanditLog(at: folder + "/bts.csv", format: .obd)
        #expect(random.rounds == 10_000 && bts.rounds == 10_000 && random.items == 80 && random.slots == 3)
        #expect(random.contextFields == ["user_feature_0", "user_feature_1", "user_feature_2", "user_feature_3"])
        #expect(random.meanReward == 0.0038 && bts.meanReward == 0.0042)

        // On the uniform log the uniform policy is the logged one: every weight is (1/80) / (1/80).
        let itself = try engine.evaluatePolicy(PolicyEvaluationRequest(source: .imported(name: "random"), target: .uniform))
        #expect(abs(itself.ips.value - 0.0038) < 1e-12 && abs(itself.ess - 10_000) < 1e-6)

        let truth = random.meanReward
        let report = try engine.evaluatePolicy(PolicyEvaluationRequest(source: .imported(name: "bts"), target: .uniform))
        for (name, estimate) in [("ips", report.ips), ("snips", report.snips), ("dr", report.dr)] {
            #expect(estimate.ciLow <= truth && truth <= estimate.ciHigh, "\(name): \(estimate) should cover \(truth)")
        }
        #expect(report.ess < 10_000 && report.maxWeight > 1)
    }
}
