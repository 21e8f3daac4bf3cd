import Foundation

/// Programs on the PATH that tests run beside Kindred (interpreters for README's recipes, a
/// browser driver), found and run without a shell.
public enum Executable {
    /// The full path of `name` on the PATH, or nil when it is not installed.
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs the program to its end and returns what it printed; a non-zero exit throws with its
    /// standard error.
    public static func run(_ program: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both before waiting, so that a chatty program cannot fill a pipe and stall.
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complained = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(
                description: "\(program) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus): "
                    + String(decoding: complained, as: UTF8.self))
        }
        return String(decoding: printed, as: UTF8.self)
    }
}
