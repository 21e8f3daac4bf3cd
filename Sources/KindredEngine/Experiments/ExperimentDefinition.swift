import KindredStore

/// A new experiment as `kindred experiments create` and `POST /v1/experiments` describe it.
public struct ExperimentDefinition: Sendable, Equatable {
    public struct Variant: Sendable, Equatable {
        public var name: String
        public var weight: Double
        public var strategy: ServingStrategy

        public init(name: String, weight: Double = 1, strategy: ServingStrategy = .default) {
            self.name = name
            self.weight = weight
            self.strategy = strategy
        }

        /// Reads `NAME=STRATEGY[:WEIGHT]` (the CLI's `--variant`): `personal=algorithm:hybrid:2`,
        /// `control=default`, `old=model:12:1`.
        public init(parsing text: String) throws {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw RequestProblem(
                    .invalid, code: "invalid_field", message: "'\(text)' is not NAME=STRATEGY[:WEIGHT], such as personal=algorithm:hybrid",
                    field: "variants")
            }
            var strategyText = parts[1]
            var weight = 1.0
            let pieces = strategyText.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            // default:2, algorithm:hybrid:2, model:12:2, layout:a,b:2 carry a weight as their last
            // piece; so do exploration:contextual:2 and, after the policy's parameter,
            // exploration:thompson:0.25:2 (exploration:thompson:2 is a scale of 2).
            let weighted =
                switch pieces.first {
                case "default": pieces.count == 2
                case "exploration": pieces.count == 4 || (pieces.count == 3 && pieces[1] == "contextual")
                default: pieces.count == 3
                }
            if weighted {
                guard let parsed = Double(pieces.last!), parsed > 0, parsed.isFinite else {
                    throw RequestProblem(
                        .invalid, code: "invalid_field", message: "'\(pieces.last!)' in '\(text)' is not a positive weight", field: "variants")
                }
                weight = parsed
                strategyText = pieces.dropLast().joined(separator: ":")
            }
            self.init(name: parts[0], weight: weight, strategy: try ServingStrategy(parsing: strategyText))
        }
    }

    public var key: String
    public var name: String?
    public var variants: [Variant]
    public var surface = "recommendations"
    public var layer = "main"
    public var trafficShare = 1.0
    public var targeting = ExperimentStore.Targeting()
    /// Start at once (the default) or keep as a draft for `start`.
    public var start = true

    public init(key: String, name: String? = nil, variants: [Variant]) {
        self.key = key
        self.name = name
        self.variants = variants
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    static let devices = Set(Device.allCases.map(\.rawValue))
    /// What an experiment can decide: a person's recommendations, or their pages of blocks
    /// (the surfaces of `kindred page`).
    public static let surfaces = ["recommendations"] + PageRequest.Surface.allCases.map(\.rawValue)

    /// Every rule a definition must keep, whichever face sent it.
    public func check() throws {
        func bad(_ field: String, _ message: String) -> RequestProblem {
            RequestProblem(.invalid, code: "invalid_field", message: message, field: field)
        }
        guard Self.isName(key) else { throw bad("key", "an experiment key has 1 to 64 letters, digits, - or _") }
        guard variants.count >= 2, variants.count <= 26 else { throw bad("variants", "2 to 26 variants, the control first") }
        guard Set(variants.map(\.name)).count == variants.count else { throw bad("variants", "variant names must differ") }
        for variant in variants {
            guard Self.isName(variant.name) else { throw bad("variants", "a variant name has 1 to 64 letters, digits, - or _: '\(variant.name)'") }
            guard variant.weight > 0, variant.weight <= 1_000_000 else {
                throw bad("variants", "variant '\(variant.name)' needs a weight above 0 and at most 1,000,000")
            }
        }
        if let name, name.isEmpty || name.count > 200 { throw bad("name", "a name has 1 to 200 characters") }
        // Similar-item lists name no person to assign: experiments decide recommendations and
        // pages of blocks, the surfaces that name one.
        guard Self.surfaces.contains(surface) else {
            throw bad(
                "surface",
                "experiments decide recommendations or the pages of blocks (home, product), the surfaces that name a person; not '\(surface.prefix(64))'")
        }
        for variant in variants {
            if surface != "recommendations", variant.strategy.choosesModel {
                throw bad(
                    "variants",
                    "variant '\(variant.name)': a page experiment compares layouts (layout:BLOCK,... or default); models are compared on recommendations")
            }
            if surface != "recommendations", case .exploration = variant.strategy {
                throw bad("variants", "variant '\(variant.name)': exploration is compared on recommendations, not on pages")
            }
            if surface == "recommendations", case .layout = variant.strategy {
                throw bad("variants", "variant '\(variant.name)': a layout is for a page experiment (surface home or product)")
            }
        }
        guard Self.isName(layer) else { throw bad("layer", "a layer has 1 to 64 letters, digits, - or _") }
        guard trafficShare >= 0.001, trafficShare <= 1 else { throw bad("traffic_share", "a share of traffic from 0.001 to 1") }
        for device in targeting.device where !Self.devices.contains(device) {
            throw bad("device", "unknown device class '\(device)'; known: \(Self.devices.sorted().joined(separator: ", "))")
        }
        for country in targeting.country where !(country.count == 2 && country.allSatisfy { $0.isASCII && $0.isLetter }) {
            throw bad("country", "'\(country)' is not a two-letter country code")
        }
        for segment in targeting.segment where !Self.isName(segment) { throw bad("segment", "'\(segment)' is not a segment key") }
    }
}
