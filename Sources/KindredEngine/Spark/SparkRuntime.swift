import Foundation

/// The Spark job's source, carried by the binary (see scripts/embed-spark-job.sh).
enum SparkJobSource {}

/// How a Spark job is launched here: with `spark-submit` from a Spark distribution (a cluster's,
/// or SPARK_HOME), or, without one, with a Python that has PySpark from PyPI, which runs Spark
/// in local mode inside its own JVM. Both need Java.
public struct SparkRuntime: Sendable, Equatable {
    public enum Launcher: Sendable, Equatable {
        case sparkSubmit(path: String)
        case python(path: String)
    }

    public var launcher: Launcher
    public var java: String

    /// The line that installs what is missing, as the error message gives it.
    public static let installLine =
        "apt-get install -y openjdk-17-jre-headless && pip install pyspark==3.5.7"

    /// Finds Java and a launcher in `environment` (PATH, JAVA_HOME, SPARK_HOME, and
    /// KINDRED_PYTHON for the Python to use). `canImportPySpark` is asked of each Python
    /// found; the real one runs it.
    public static func locate(
        environment: [String: String], canImportPySpark: (String) -> Bool = SparkRuntime.pythonHasPySpark
    ) -> Result<SparkRuntime, SparkUnavailable> {
        let path = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        func onPath(_ name: String) -> String? {
            path.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        let java =
            environment["JAVA_HOME"].map { $0 + "/bin/java" }.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
            ?? onPath("java")
        var launcher: Launcher?
        if let home = environment["SPARK_HOME"], FileManager.default.isExecutableFile(atPath: home + "/bin/spark-submit") {
            launcher = .sparkSubmit(path: home + "/bin/spark-submit")
        } else if let submit = onPath("spark-submit") {
            launcher = .sparkSubmit(path: submit)
        } else {
            let pythons = [environment["KINDRED_PYTHON"], onPath("python3")].compactMap { $0 }
            if let python = pythons.first(where: canImportPySpark) { launcher = .python(path: python) }
        }
        guard let java, let launcher else {
            return .failure(SparkUnavailable(javaFound: java != nil, launcherFound: launcher != nil))
        }
        return .success(SparkRuntime(launcher: launcher, java: java))
    }

    /// Whether `python -c "import pyspark"` succeeds.
    public static func pythonHasPySpark(_ python: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import pyspark"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// The command that runs `script` with `arguments` on `master`.
    func command(script: String, master: String, arguments: [String]) -> (executable: String, arguments: [String]) {
        switch launcher {
        case .sparkSubmit(let path):
            return (path, ["--master", master, script] + arguments)
        case .python(let path):
            return (path, [script, "--master", master] + arguments)
        }
    }
}

/// Spark cannot run here: what is missing and the line that installs it.
public struct SparkUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var javaFound: Bool
    public var launcherFound: Bool

    public var description: String {
        var missing: [String] = []
        if !javaFound { missing.append("Java 17 or later (java on PATH, or JAVA_HOME)") }
        if !launcherFound {
            missing.append("Spark (spark-submit on PATH, SPARK_HOME, or PySpark in python3 or KINDRED_PYTHON)")
        }
        return "training on Spark needs " + missing.joined(separator: " and ") + "; install them with `\(SparkRuntime.installLine)`"
            + ", or point SPARK_HOME at a Spark distribution"
    }
}

/// The Spark job failed: its exit status and the end of what it printed. Nothing was imported.
public struct SparkJobFailed: Error, Sendable, CustomStringConvertible {
    public var status: Int32
    public var logPath: String
    public var tail: String

    public var description: String {
        "the Spark job failed (exit status \(status)); the active model is unchanged. Its log is \(logPath); it ended with:\n" + tail
    }
}
