import KindredStore

/// What an experiment variant serves: on recommendations, which model version answers; on
/// pages, which content blocks stand in which order. Later strategies (rule sets,
/// exploration) join this enum.
public enum ServingStrategy: Sendable, Equatable, CustomStringConvertible {
    /// What everyone gets without the experiment: the active model.
    case `default`
    /// The newest trained model of an algorithm, kept beside the active one and retrained
    /// by the scheduler while the experiment runs.
    case algorithm(String)
    /// One model version, fixed.
    case model(Int64)
    /// A page of exactly these blocks (keys of `kindred blocks list`), in this order, whatever
    /// the person's engagement: what a page experiment compares.
    case layout([String])

    /// Reads `default`, `algorithm:NAME` or `model:VERSION`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "default" {
            self = .default
            return
        }
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw Self.problem("'\(text)' is not default, algorithm:NAME, model:VERSION or layout:BLOCK,...") }
        switch parts[0] {
        case "algorithm":
            guard AlgorithmSpec.names.contains(parts[1]) else {
                throw Self.problem("unknown algorithm '\(parts[1])'; known: \(AlgorithmSpec.names.joined(separator: ", "))")
            }
            self = .algorithm(parts[1])
        case "model":
            guard let version = Int64(parts[1]), version > 0 else { throw Self.problem("'\(parts[1])' is not a model version") }
            self = .model(version)
        case "layout":
            let keys = parts[1].split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard let bad = keys.first(where: { !ExperimentDefinition.isName($0) }) else {
                guard Set(keys).count == keys.count else { throw Self.problem("a layout names each block once: '\(parts[1])'") }
                self = .layout(keys)
                return
            }
            throw Self.problem("'\(bad)' in '\(text)' is not a block key (letters, digits, - or _)")
        default:
            throw Self.problem("'\(text)' is not default, algorithm:NAME, model:VERSION or layout:BLOCK,...")
        }
    }

    public var description: String {
        switch self {
        case .default: "default"
        case .algorithm(let name): "algorithm:\(name)"
        case .model(let version): "model:\(version)"
        case .layout(let keys): "layout:\(keys.joined(separator: ","))"
        }
    }

    /// The blocks of a layout strategy, in order; nil for the others.
    var layout: [String]? {
        if case .layout(let keys) = self { return keys }
        return nil
    }

    /// Whether the strategy chooses a model (recommendations) rather than a page's blocks.
    var choosesModel: Bool {
        switch self {
        case .algorithm, .model: true
        case .default, .layout: false
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
