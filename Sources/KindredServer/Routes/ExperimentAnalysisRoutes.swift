import Hummingbird
import KindredEngine
import KindredLearning

/// `POST /v1/experiments/analyze` and `GET /v1/experiments/plan`: the statistics of
/// `kindred experiments analyze` and `plan`, through the same Engine functions and readers.
struct ExperimentAnalysisRoutes {
    let engine: Engine
    let configuration: ServerConfiguration

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.post("experiments/analyze") { request, context -> Response in
            let query = QueryReader(request.uri.queryParameters)
            let options = try Self.statisticsOptions(query)
            let weights = try query.text("weights", maxLength: 400).map(AnalysisRequest.weights)
            let body = try await request.bodyData(limit: configuration.maxBodyBytes)
            let file = try VariantSummaryFile.parse(body, file: "request body")
            return try JSONResponse.make(try Engine.analyzeSummaries(file, request: AnalysisRequest(weights: weights, options: options)))
        }

        group.get("experiments/plan") { request, _ -> Response in
            let query = QueryReader(request.uri.queryParameters)
            guard let baseline = try query.number("baseline") else { throw Self.missing("baseline") }
            guard let lift = try query.number("lift") else { throw Self.missing("lift") }
            let planRequest = PlanRequest(
                baseline: baseline, lift: lift, power: try query.number("power") ?? 0.8, alpha: try query.number("alpha") ?? 0.05,
                variants: try query.integer("variants", in: 2...26) ?? 2, trafficShare: try query.number("traffic_share") ?? 1)
            return try JSONResponse.make(try engine.plan(planRequest))
        }
    }

    static func missing(_ name: String) -> APIError {
        APIError(.badRequest, code: "missing_parameter", message: "required", field: name)
    }

    static func statisticsOptions(_ query: QueryReader) throws -> ExperimentStatistics.Options {
        var options = ExperimentStatistics.Options()
        if let level = try query.number("level") { options.level = level }
        if try query.flag("sequential") == true { options.mode = .sequential }
        if let tuning = try query.number("tuning") { options.tuning = tuning }
        if let correction = try query.text("correction", maxLength: 16) {
            guard let method = MultipleComparisonCorrection(rawValue: correction) else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "'\(correction)' is not none, holm or bh", field: "correction")
            }
            options.correction = method
        }
        if let scope = try query.text("correction_scope", maxLength: 16) {
            guard let parsed = ExperimentStatistics.CorrectionScope(rawValue: scope) else {
                throw APIError(.badRequest, code: "invalid_parameter", message: "'\(scope)' is not metric or all", field: "correction_scope")
            }
            options.correctionScope = parsed
        }
        return options
    }
}
