import Foundation
import KindredLearning
import KindredStore
import KindredTestSupport
import Testing

@testable import KindredEngine

/// Finding Spark, failing safely, and the job the binary carries. The real Spark run is in
/// Tests/KindredCLITests/SparkTrainingCommandTests.swift.
@Suite struct SparkTrainingTests {
    let directory = TemporaryDirectory()

    /// An executable shell script in the test's own bin folder.
    func executable(_ name: String, _ body: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory.file("bin"), withIntermediateDirectories: true)
        let path = directory.write("bin/" + name, "#!/bin/sh\n" + body + "\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    @Test func withoutJavaOrSparkTheMessageSaysWhatToInstall() throws {
        let result = SparkRuntime.locate(environment: ["PATH": directory.file("empty")], canImportPySpark: { _ in false })
        guard case .failure(let missing) = result else {
            Issue.record("found Spark in an empty PATH")
            return
        }
        #expect(missing == SparkUnavailable(javaFound: false, launcherFound: false))
        #expect(missing.description.contains("Java 17"))
        #expect(missing.description.contains(SparkRuntime.installLine))

        _ = try executable("java", "exit 0")
        let noSpark = SparkRuntime.locate(environment: ["PATH": directory.file("bin")], canImportPySpark: { _ in false })
        #expect(noSpark == .failure(SparkUnavailable(javaFound: true, launcherFound: false)))
    }

    @Test func sparkSubmitIsPreferredAndPySparkIsTheFallback() throws {
        let java = try executable("java", "exit 0")
        let python = try executable("python3", "exit 0")
        let viaPython = SparkRuntime.locate(environment: ["PATH": directory.file("bin")], canImportPySpark: { $0 == python })
        #expect(viaPython == .success(SparkRuntime(launcher: .python(path: python), java: java)))
        let submit = try executable("spark-submit", "exit 0")
        let viaSubmit = SparkRuntime.locate(environment: ["PATH": directory.file("bin")], canImportPySpark: { _ in true })
        #expect(viaSubmit == .success(SparkRuntime(launcher: .sparkSubmit(path: submit), java: java)))
        #expect(
            SparkRuntime(launcher: .sparkSubmit(path: submit), java: java).command(script: "job.py", master: "local[2]", arguments: ["--x"])
                == (submit, ["--master", "local[2]", "job.py", "--x"]))
    }

    @Test func aFailingJobLeavesTheActiveModelAndRecordsTheFailure() throws {
        let engine = try SmallShop.engine(in: directory, trained: true)
        let before = try engine.models()
        _ = try executable("java", "exit 0")
        _ = try executable("spark-submit", "echo 'Exception: the cluster is gone' >&2\nexit 3")
        var options = SparkTrainOptions()
        options.environment = ["PATH": directory.file("bin") + ":/usr/bin:/bin"]
        options.workFolder = directory.file("work")
        options.training.algorithm = AlgorithmSpec(name: "als", parameters: ["factors": 8])
        let failure = try #require(throws: SparkJobFailed.self) { try engine.trainOnSpark(options) }
        #expect(failure.status == 3)
        #expect(failure.tail.contains("the cluster is gone"))
        #expect(failure.description.contains("the active model is unchanged"))
        #expect(try engine.models().map(\.version) == before.map(\.version))
        #expect(try engine.models().map(\.status) == before.map(\.status))
        #expect(
            try DatabaseSnapshot.count(
                "jobs", in: engine.database, where: "kind = 'train' AND status = 'failed' AND error LIKE '%status 3%'") == 1)
        #expect(try DatabaseSnapshot.count("audit_log", in: engine.database, where: "action = 'train_failed'") == 1)
        // The export and the log stay for whoever looks into it.
        #expect(FileManager.default.fileExists(atPath: directory.file("work/export/manifest.json")))
    }

    @Test func onlyALSTrainsOnSpark() throws {
        let engine = try SmallShop.engine(in: directory, trained: false)
        var options = SparkTrainOptions()
        options.training.algorithm = AlgorithmSpec(name: "item-knn-bm25")
        let problem = try #require(throws: RequestProblem.self) { try engine.trainOnSpark(options) }
        #expect(problem.field == "algorithm")
        // A trend weight would be lost on the way back from Spark: refused, not dropped.
        options.training.algorithm = AlgorithmSpec(name: "als", parameters: ["trend_weight": 0.5])
        let weighted = try #require(throws: RequestProblem.self) { try engine.trainOnSpark(options) }
        #expect(weighted.field == "params" && weighted.message.contains("trend_weight"))
    }

    @Test func theBinaryCarriesTheJobInTheRepository() throws {
        let source = try String(contentsOfFile: Repository.root + "/scripts/spark/kindred_als.py", encoding: .utf8)
        let trimmed = source.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n")
        #expect(SparkJobSource.als + "\n" == trimmed, "scripts/spark/kindred_als.py changed: run scripts/embed-spark-job.sh")
    }
}
