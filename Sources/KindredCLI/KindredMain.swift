import ArgumentParser
import Foundation
import KindredEngine
import KindredServer
import KindredStore

/// Runs the command line and turns every outcome into the documented exit status:
/// 0 success, 2 usage error, 65 bad input data, 1 anything else.
public enum KindredMain {
    public enum Status: Int32 {
        case success = 0
        case failure = 1
        case usage = 2
        case badData = 65
    }

    public static func run(_ arguments: [String]) -> Int32 {
        let command: ParsableCommand
        do {
            command = try KindredCommand.parseAsRoot(arguments)
        } catch {
            return report(parseError: error)
        }
        do {
            var runnable = command
            try runnable.run()
            return Status.success.rawValue
        } catch {
            return report(runError: error)
        }
    }

    private static func report(parseError error: any Error) -> Int32 {
        let code = KindredCommand.exitCode(for: error)
        let message = KindredCommand.fullMessage(for: error)
        if code == .success {
            print(message)
            return Status.success.rawValue
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return Status.usage.rawValue
    }

    private static func report(runError error: any Error) -> Int32 {
        switch error {
        case let error as ImportRefused:
            for line in error.description.split(separator: "\n") { Terminal.error(String(line)) }
            return Status.badData.rawValue
        case let error as DataError:
            Terminal.error(error.description)
            return Status.badData.rawValue
        case let error as MappingError:
            Terminal.error(error.description)
            return Status.usage.rawValue
        case let problem as RequestProblem:
            Terminal.error(problem.description)
            return [.invalid, .tooLarge, .notFound].contains(problem.kind) ? Status.badData.rawValue : Status.failure.rawValue
        case let refusal as ServerRefusal:
            Terminal.error(refusal.description)
            return Status.failure.rawValue
        case let held as ServingLock.Held:
            Terminal.error(held.description)
            return Status.failure.rawValue
        case let error as StoreError:
            Terminal.error(error.description)
            return Status.failure.rawValue
        case let error as ExitCode:
            return error.rawValue
        default:
            // Help requests and validation errors raised while running come back here too.
            let code = KindredCommand.exitCode(for: error)
            if code == .success || code == .validationFailure { return report(parseError: error) }
            Terminal.error(String(describing: error))
            return Status.failure.rawValue
        }
    }
}
