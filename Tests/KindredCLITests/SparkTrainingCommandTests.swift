import Foundation
import KindredTestSupport
import Testing

/// `kindred train --engine spark` for real: PySpark in local mode on the demo shop, beside a
/// local ALS with the same parameters. Skipped where PySpark or Java is missing, unless
/// KINDRED_REQUIRE_SPARK=1 (CI sets it) turns the absence into a failure.
@Suite(.serialized) struct SparkTrainingCommandTests {
    let directory = TemporaryDirectory()

    static var sparkAvailable: Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sh", "-c", "command -v java >/dev/null && python3 -c 'import pyspark'"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static var required: Bool { ProcessInfo.processInfo.environment["KINDRED_REQUIRE_SPARK"] == "1" }

    func kindred(_ arguments: String...) throws -> KindredProcess.Result {
        try KindredProcess.run(arguments + ["--db", "kindred-demo.sqlite"], in: directory.path)
    }

    func json(_ result: KindredProcess.Result) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    @Test func theDemoShopTrainedOnSparkServesWhatTheLocalALSServesAndAFailureChangesNothing() throws {
        guard Self.sparkAvailable else {
            #expect(!Self.required, "KINDRED_REQUIRE_SPARK=1 but java or PySpark is missing")
            return
        }
        #expect(try KindredProcess.run(["demo"], in: directory.path).status == 0)
        let local = try kindred("train", "--algorithm", "als", "--no-activate", "--json")
        #expect(local.status == 0, "\(local.stderr)")
        let localVersion = try json(local)["version"] as! Int

        let spark = try kindred("train", "--engine", "spark", "--spark-master", "local[2]", "--no-activate", "--json")
        #expect(spark.status == 0, "\(spark.stderr)")
        let report = try json(spark)
        let training = report["training"] as! [String: Any]
        let sparkVersion = training["version"] as! Int
        #expect(training["algorithm"] as? String == "als")
        #expect((training["validation"] as? [String: Any])?["ndcg"] is Double, "scored on the same validation split")
        #expect((report["exported_events"] as? Int ?? 0) > 100_000)
        #expect(report["kept"] as? Bool == false)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".kindred-spark-") }.isEmpty,
            "the work folder is removed after a successful import")

        let models = try kindred("models", "--json")
        let rows = try JSONSerialization.jsonObject(with: Data(models.stdout.utf8)) as! [[String: Any]]
        let stored = try #require(rows.first { $0["version"] as? Int == sparkVersion })
        let metrics = try JSONSerialization.jsonObject(with: Data((stored["metrics"] as! String).utf8)) as! [String: Any]
        #expect(metrics["engine"] as? String == "spark")
        #expect((metrics["spark_version"] as? String)?.isEmpty == false)

        let compared = try kindred("models", "compare", String(sparkVersion), String(localVersion), "--json")
        #expect(compared.status == 0, "\(compared.stderr)")
        let agreement = try json(compared)
        let overlap = agreement["mean_overlap"] as! Double
        print(
            "spark version \(sparkVersion) vs local ALS version \(localVersion): top-20 overlap \(overlap) over \(agreement["people"]!) people"
        )
        #expect(agreement["people"] as? Int == 500)
        #expect(overlap >= 0.6, "Spark's ALS and Kindred's on the same data and parameters should mostly agree")

        // A Spark failure (a master URL Spark cannot parse) leaves the registry as it was.
        let before = try kindred("models", "--json").stdout
        let failed = try kindred("train", "--engine", "spark", "--spark-master", "local[not-a-number]")
        #expect(failed.status == 1)
        #expect(
            failed.stderr.contains("the Spark job failed") && failed.stderr.contains("the active model is unchanged"), "\(failed.stderr)")
        #expect(try kindred("models", "--json").stdout == before)
        let audit = try kindred("audit", "list", "--action", "train_failed", "--json")
        #expect(audit.stdout.contains("train_failed"), "\(audit.stdout) \(audit.stderr)")
    }

    @Test func exportAndImportRefuseWhatTheyCannotDo() throws {
        #expect(try KindredProcess.run(["init", "--db", "kindred-demo.sqlite"], in: directory.path).status == 0)
        let parquet = try kindred("events", "export", "--out", "x", "--format", "parquet")
        #expect(parquet.status == 2 && parquet.stderr.contains("Spark reads natively"), "\(parquet.stderr)")
        let since = try kindred("events", "export", "--out", "x", "--since", "yesterday")
        #expect(since.status == 2 && since.stderr.contains("--since: 'yesterday'"), "\(since.stderr)")
        let empty = try kindred("events", "export", "--out", "x")
        #expect(empty.status == 65 && empty.stderr.contains("no events to export"), "\(empty.stderr)")
        let knn = try kindred("train", "--engine", "spark", "--algorithm", "item-knn-bm25")
        #expect(knn.status == 2 && knn.stderr.contains("--engine spark trains als"), "\(knn.stderr)")
        let stray = try kindred("train", "--keep-work")
        #expect(stray.status == 2 && stray.stderr.contains("go with --engine spark"), "\(stray.stderr)")
        let missing = try kindred("models", "import", "nowhere")
        #expect(missing.status == 65 && missing.stderr.contains("nowhere/manifest.json"), "\(missing.stderr)")
    }
}
