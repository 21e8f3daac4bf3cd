import Foundation
import KindredStore

extension ExperimentDefinition {
    /// Reads `POST /v1/experiments`: `{"key", "name"?, "variants": [{"name", "strategy"?,
    /// "weight"?}], "layer"?, "traffic_share"?, "targeting"?: {"device", "country",
    /// "segment"}, "start"?}`. The same rules as the CLI's flags then apply in `check()`.
    public init(json body: Data) throws {
        let root = try Engine.jsonObject(body)
        func problem(_ field: String, _ message: String) -> RequestProblem {
            RequestProblem(.invalid, code: "invalid_field", message: message, field: field)
        }
        let known: Set<String> = ["key", "name", "variants", "layer", "traffic_share", "targeting", "start", "surface"]
        if let unknown = root.keys.sorted().first(where: { !known.contains($0) }) {
            throw problem(unknown, "unknown field; known: \(known.sorted().joined(separator: ", "))")
        }
        func string(_ value: JSONValue?, _ field: String) throws -> String? {
            switch value {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw problem(field, "a string")
            }
        }
        func number(_ value: JSONValue?, _ field: String) throws -> Double? {
            switch value {
            case nil, .null?: return nil
            case .number(let number)?: return number.double
            default: throw problem(field, "a number")
            }
        }
        func strings(_ value: JSONValue?, _ field: String) throws -> [String] {
            switch value {
            case nil, .null?: return []
            case .array(let items)?:
                return try items.enumerated().map { index, item in
                    guard case .string(let text) = item else { throw problem("\(field)[\(index)]", "a string") }
                    return text
                }
            default: throw problem(field, "an array of strings")
            }
        }
        guard let key = try string(root["key"], "key") else { throw problem("key", "required") }
        guard case .array(let list)? = root["variants"] else { throw problem("variants", "required: an array of {name, strategy, weight}") }
        let variants = try list.enumerated().map { index, item -> Variant in
            guard case .object(let fields) = item else { throw problem("variants[\(index)]", "an object with name, strategy and weight") }
            guard let name = try string(fields["name"], "variants[\(index)].name") else { throw problem("variants[\(index)].name", "required") }
            let strategy: ServingStrategy
            do {
                strategy = try ServingStrategy(parsing: try string(fields["strategy"], "variants[\(index)].strategy") ?? "default")
            } catch let error as RequestProblem {
                throw problem("variants[\(index)].strategy", error.message)
            }
            return Variant(name: name, weight: try number(fields["weight"], "variants[\(index)].weight") ?? 1, strategy: strategy)
        }
        self.init(key: key, name: try string(root["name"], "name"), variants: variants)
        if let layer = try string(root["layer"], "layer") { self.layer = layer }
        if let surface = try string(root["surface"], "surface") { self.surface = surface }
        if let share = try number(root["traffic_share"], "traffic_share") { trafficShare = share }
        switch root["targeting"] {
        case nil, .null?: break
        case .object(let fields)?:
            if let unknown = fields.keys.sorted().first(where: { !["device", "country", "segment"].contains($0) }) {
                throw problem("targeting.\(unknown)", "unknown field; known: country, device, segment")
            }
            targeting = .init(
                device: try strings(fields["device"], "targeting.device"), country: try strings(fields["country"], "targeting.country"),
                segment: try strings(fields["segment"], "targeting.segment"))
        default: throw problem("targeting", "an object with device, country and segment lists")
        }
        switch root["start"] {
        case nil, .null?: break
        case .bool(let flag)?: start = flag
        default: throw problem("start", "true or false")
        }
    }
}

extension Engine {
    /// `POST /v1/experiments/{key}/ship` with `{"variant": NAME}`.
    public func shipExperiment(key: String, body: Data) throws -> ExperimentSummary {
        let object = try Self.jsonObject(body)
        guard case .string(let variant)? = object["variant"], object.count == 1 else {
            throw RequestProblem(.invalid, code: "invalid_field", message: "the body is {\"variant\": NAME}", field: "variant")
        }
        return try shipExperiment(key: key, variant: variant)
    }
}
