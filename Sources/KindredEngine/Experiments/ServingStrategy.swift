import KindredStore

/// What an experiment variant serves: on recommendations, which model version answers or how
/// the list explores; on pages, which content blocks stand in which order.
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
    /// The active model's lists, explored by this policy (and its parameter: epsilon, the
    /// softmax temperature, LinUCB's alpha or Thompson sampling's scale) rather than by the
    /// surface's `exploration.recommendations.*` settings: what an exploration experiment
    /// compares. A bandit policy uses, and teaches, the surface's bandit.
    case exploration(policy: String, parameter: Double?)

    /// Reads `default`, `algorithm:NAME`, `model:VERSION`, `layout:BLOCK,...` or
    /// `exploration:POLICY[:X]`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "default" {
            self = .default
            return
        }
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw Self.problem("'\(text)' is not default, algorithm:NAME, model:VERSION, layout:BLOCK,... or exploration:POLICY[:X]") }
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
        case "exploration":
            self = try Self.exploration(parts[1])
        default:
            throw Self.problem("'\(text)' is not default, algorithm:NAME, model:VERSION, layout:BLOCK,... or exploration:POLICY[:X]")
        }
    }

    /// `POLICY[:X]`, X checked as the setting it stands for.
    private static func exploration(_ text: String) throws -> ServingStrategy {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard let name = parts.first, let policy = ExplorationSettings.Policy(rawValue: name) else {
            let names = ExplorationSettings.Policy.allCases.map(\.rawValue).joined(separator: ", ")
            throw problem("exploration:POLICY takes one of \(names), not '\(parts.first ?? "")'")
        }
        guard parts.count == 2 else { return .exploration(policy: name, parameter: nil) }
        guard let setting = policy.parameterSetting else { throw problem("exploration:\(name) takes no parameter") }
        let checked = Result { () throws(ShopSetting.Invalid) -> String in try ShopSetting.exploration("exploration:\(name)", setting, parts[1]) }
        switch checked {
        case .success(let value): return .exploration(policy: name, parameter: Double(value))
        case .failure(let invalid): throw problem(invalid.description)
        }
    }

    public var description: String {
        switch self {
        case .default: "default"
        case .algorithm(let name): "algorithm:\(name)"
        case .model(let version): "model:\(version)"
        case .layout(let keys): "layout:\(keys.joined(separator: ","))"
        case .exploration(let policy, let parameter): "exploration:\(policy)" + (parameter.map { ":\($0)" } ?? "")
        }
    }

    /// How an exploration strategy explores, over the surface's settings; nil for the others.
    func exploration(over settings: ExplorationSettings) -> ExplorationSettings? {
        guard case .exploration(let name, let parameter) = self, let policy = ExplorationSettings.Policy(rawValue: name) else { return nil }
        var chosen = settings
        chosen.policy = policy
        if let parameter {
            switch policy {
            case .epsilonGreedy: chosen.epsilon = parameter
            case .softmax: chosen.temperature = parameter
            case .linucb: chosen.alpha = parameter
            case .thompson: chosen.scale = parameter
            case .contextual: break
            }
        }
        return chosen
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
        case .default, .layout, .exploration: false
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
