import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Output helpers: messages to stderr, and a progress bar shown only on a terminal.
enum Terminal {
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }

    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("kindred: " + message + "\n").utf8))
    }

    /// Something the user should know that is not a problem (stderr, so that --json output stays clean).
    static func note(_ message: String) {
        FileHandle.standardError.write(Data(("kindred: " + message + "\n").utf8))
    }

    static func warning(_ message: String) {
        FileHandle.standardError.write(Data(("kindred: warning: " + message + "\n").utf8))
    }

    /// A progress callback that redraws a bar in place, or nil when stdout is not a terminal
    /// (scripts and logs get the summary only).
    static func progressBar(label: String) -> ((Int, Int) -> Void)? {
        guard stdoutIsTTY else { return nil }
        return { done, total in
            let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text = "\r\(label) [\(bar)] \(Int(fraction * 100))%" + (fraction >= 1 ? "\r\u{1B}[K" : "")
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
