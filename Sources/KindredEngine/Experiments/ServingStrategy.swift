import KindredStore

/// What an experiment variant serves. Later strategies (rule sets, layouts, exploration) join
/// this enum; serving asks only which model version answers.
public enum ServingStrategy: Sendable, Equatable, CustomStringConvertible {
    /// What everyone gets without the experiment: the active model.
    case `default`
    /// The newest trained model of an algorithm, kept beside the active one and retrained
    /// by the scheduler while the experiment runs.
    case algorithm(String)
    /// One model version, fixed.
    case model(Int64)

    /// Reads `default`, `algorithm:NAME` or `model:VERSION`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "default" {
            self = .default
            return
        }
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw Self.problem("'\(text)' is not default, algorithm:NAME or model:VERSION") }
        switch parts[0] {
        case "algorithm":
            guard AlgorithmSpec.names.contains(parts[1]) else {
                throw Self.problem("unknown algorithm '\(parts[1])'; known: \(AlgorithmSpec.names.joined(separator: ", "))")
            }
            self = .algorithm(parts[1])
        case "model":
            guard let version = Int64(parts[1]), version > 0 else { throw Self.problem("'\(parts[1])' is not a model version") }
            self = .model(version)
        default:
            throw Self.problem("'\(text)' is not default, algorithm:NAME or model:VERSION")
        }
    }

    public var description: String {
        switch self {
        case .default: "default"
        case .algorithm(let name): "algorithm:\(name)"
        case .model(let version): "model:\(version)"
        }
    }

    static func problem(_ message: String) -> RequestProblem {
        RequestProblem(.invalid, code: "invalid_field", message: message, field: "strategy")
    }

    /// The stored form of a variant's strategy: nil for default.
    static func of(_ variant: ExperimentStore.Variant) -> ServingStrategy {
        variant.strategy.flatMap { try? ServingStrategy(parsing: $0) } ?? .default
    }
}
