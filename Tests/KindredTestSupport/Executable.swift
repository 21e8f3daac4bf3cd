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
        String(decoding: try bytes(printedBy: program, arguments, environment: environment), as: UTF8.self)
    }

    /// `run` on a thread of its own, for async tests: waiting for a program on one of the few
    /// threads Swift concurrency (or Dispatch's global queue, as wide as the machine has cores)
    /// runs on would starve every server the other tests run in-process.
    public static func runDetached(_ program: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> String {
        try await onOwnThread { try run(program, arguments, environment: environment) }
    }

    /// Runs blocking `work` on a new thread and awaits its result.
    public static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// Like `run(_:_:environment:)`, returning the bytes printed (compressed output, say).
    public static func bytes(printedBy program: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Data {
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
        return printed
    }
}
