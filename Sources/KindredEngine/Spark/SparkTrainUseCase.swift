import Foundation
import KindredLearning
import KindredStore

/// How `kindred train --engine spark` trains.
public struct SparkTrainOptions: Sendable {
    /// The algorithm (als), its parameters, weights, validation, margin and activation, as a
    /// local training takes them.
    public var training = TrainOptions()
    /// `local[N]` runs Spark on this machine; `spark://host:7077` (or `yarn`, `k8s://...`) on a
    /// cluster, which must then see `workFolder` at the same path (a shared file system).
    public var master = "local[2]"
    /// Where the export, the job and its factors go; nil: a new folder beside the database.
    public var workFolder: String?
    /// Keep the work folder after a successful import (it is always kept after a failure).
    public var keepWork = false
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init() {}
}

/// What a Spark training did: the training report, and the time of each step.
public struct SparkTrainReport: Sendable, Codable {
    public var training: TrainReport
    public var exportSeconds: Double
    public var exportedEvents: Int
    /// The whole `spark-submit` (or PySpark) run: JVM start, reading, both fits, writing.
    public var sparkSeconds: Double
    /// The final fit alone, as the job timed it.
    public var sparkFitSeconds: Double
    public var importSeconds: Double
    public var master: String
    public var workFolder: String
    public var kept: Bool
}

extension Engine {
    /// Trains implicit ALS on Spark: exports the events (pseudonyms only) with the weights and
    /// validation split a local training would use, runs scripts/spark/kindred_als.py, and
    /// imports the factors through `importModel`, so that the version gets the same metrics,
    /// activation rule, job and audit entry as a local training. A failure anywhere before the
    /// import leaves the model registry as it was, and is recorded as a failed job.
    public func trainOnSpark(_ options: SparkTrainOptions, progress: (String) -> Void = { _ in }) throws -> SparkTrainReport {
        guard options.training.algorithm.name == "als" else {
            throw RequestProblem(
                .invalid, code: "unsupported_algorithm",
                message: "Spark trains als (MLlib's implicit ALS); '\(options.training.algorithm.name)' trains here without --engine spark",
                field: "algorithm")
        }
        // The factors come back from Spark alone; a trend weight would be dropped on import.
        if let weight = options.training.algorithm.parameters[AlgorithmSpec.trendWeight], weight > 0 {
            throw RequestProblem(
                .invalid, code: "unsupported_parameter",
                message: "Spark fits als alone; trend_weight blends a model trained here: drop it or train without --engine spark",
                field: "params")
        }
        let runtime = try SparkRuntime.locate(environment: options.environment).get()
        let spec = options.training.algorithm.normalized
        let startedMs = clock.now()
        let started = WallClock.monotonicSeconds()
        let work = URL(
            fileURLWithPath: options.workFolder
                ?? URL(fileURLWithPath: database.path).deletingLastPathComponent().appendingPathComponent(
                    ".kindred-spark-\(startedMs)"
                ).path
        ).standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        } catch {
            throw ExportProblem.cannotWrite(work.path)
        }
        func recordFailure(_ message: String) {
            try? database.writer.write { db in
                let details: [String: any Sendable] = [
                    "engine": "spark", "master": options.master, "work_folder": work.path, "trigger": options.training.trigger,
                ]
                try JobStore.insert(
                    .init(kind: "train", status: "failed", startedMs: startedMs, finishedMs: clock.now(), details: details, error: message),
                    in: db)
                try AuditLog.append(
                    action: "train_failed", actor: options.training.trigger == "scheduler" ? "scheduler" : actor,
                    details: details.merging(["error": message]) { a, _ in a }, in: db, nowMs: clock.now())
            }
        }

        progress("exporting events to \(work.path)/export")
        var export = EventExportOptions(folder: work.appendingPathComponent("export").path)
        export.weights = options.training.weights
        export.includeAnonymousSessions = options.training.includeAnonymousSessions
        export.validationDays = options.training.validationDays
        export.relevantKinds = options.training.relevantKinds
        export.split = options.training.split
        export.seed = options.training.seed
        export.trigger = options.training.trigger
        let exported: EventExportReport
        // Read once: the export is written from these events and the import matches the factors to them.
        let data: TrainingData
        do {
            try Self.checkExportTarget(URL(fileURLWithPath: export.folder).standardizedFileURL)
            let reading = WallClock.monotonicSeconds()
            data = try TrainingData.load(from: database, includeAnonymousSessions: export.includeAnonymousSessions)
            exported = try exportEvents(export, data: data, startedAt: reading, progress: progress)
        } catch {
            recordFailure("export: \(error)")
            throw error
        }

        let script = work.appendingPathComponent("kindred_als.py")
        let factors = work.appendingPathComponent("factors")
        let log = work.appendingPathComponent("spark.log")
        try Data(SparkJobSource.als.utf8).write(to: script)
        let parameters = spec.parameters
        var arguments = [
            "--events", work.appendingPathComponent("export").path, "--out", factors.path,
            "--factors", ModelNumber.text(parameters["factors"] ?? 64),
            "--regularization", ModelNumber.text(parameters["regularization"] ?? 0.1),
            "--alpha", ModelNumber.text(parameters["alpha"] ?? 1),
            "--iterations", ModelNumber.text(parameters["iterations"] ?? 15),
            "--seed", String(options.training.seed),
        ]
        if exported.validationSplit != "none" { arguments.append("--validation") }
        let command = runtime.command(script: script.path, master: options.master, arguments: arguments)
        progress("running the Spark job (\(options.master)); its log is \(log.path)")
        let sparkStarted = WallClock.monotonicSeconds()
        let status: Int32
        do {
            status = try SparkProcess.run(
                executable: command.executable, arguments: command.arguments, environment: options.environment, java: runtime.java,
                log: log)
        } catch {
            recordFailure("could not start \(command.executable): \(error)")
            throw error
        }
        let sparkSeconds = WallClock.monotonicSeconds() - sparkStarted
        guard status == 0 else {
            let failure = SparkJobFailed(status: status, logPath: log.path, tail: SparkProcess.tail(of: log, lines: 15))
            recordFailure("the Spark job exited with status \(status); log \(log.path)")
            throw failure
        }

        progress("importing the factors")
        let importStarted = WallClock.monotonicSeconds()
        var importing = ModelImportOptions(folder: factors.path)
        importing.training = options.training
        let report: TrainReport
        do {
            report = try importModel(importing, startedAt: (started, startedMs), exported: data, progress: progress)
        } catch {
            recordFailure("import: \(error)")
            throw error
        }
        let importSeconds = WallClock.monotonicSeconds() - importStarted
        if !options.keepWork { try? FileManager.default.removeItem(at: work) }
        return SparkTrainReport(
            training: report, exportSeconds: exported.seconds, exportedEvents: exported.rows, sparkSeconds: sparkSeconds,
            sparkFitSeconds: report.fitSeconds, importSeconds: importSeconds, master: options.master, workFolder: work.path,
            kept: options.keepWork)
    }
}

/// Runs the job with its output in a log file, Java on its PATH.
enum SparkProcess {
    static func run(executable: String, arguments: [String], environment: [String: String], java: String, log: URL) throws -> Int32 {
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw ExportProblem.cannotWrite(log.path) }
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = environment
        let javaBin = URL(fileURLWithPath: java).deletingLastPathComponent().path
        environment["PATH"] = javaBin + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["PYSPARK_PYTHON"] = environment["PYSPARK_PYTHON"] ?? (executable.hasSuffix("spark-submit") ? nil : executable)
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The last `lines` lines of the log, for the error message.
    static func tail(of log: URL, lines: Int) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }
}

/// A parameter as a command-line number: whole numbers without a fraction.
enum ModelNumber {
    static func text(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
