import Foundation
import Hummingbird
import KindredEngine

/// The experiment lifecycle for administrators: what `kindred experiments create|list|start|
/// stop|ship|report` do, through the same Engine functions.
struct ExperimentAdminRoutes {
    let engine: Engine
    let configuration: ServerConfiguration

    func add(to group: RouterGroup<KindredRequestContext>) {
        group.get("experiments") { _, _ -> Response in
            try JSONResponse.make(["experiments": try engine.listExperiments()])
        }

        group.post("experiments") { request, context -> Response in
            let body = try await request.bodyData(limit: configuration.maxBodyBytes)
            let summary = try engine.acting(as: context.actor).createExperiment(try ExperimentDefinition(json: body))
            return try JSONResponse.make(summary, status: .created)
        }

        group.post("experiments/{key}/start") { _, context -> Response in
            try JSONResponse.make(try engine.acting(as: context.actor).startExperiment(key: try PathID.read("key", context)))
        }

        group.post("experiments/{key}/stop") { _, context -> Response in
            try JSONResponse.make(try engine.acting(as: context.actor).stopExperiment(key: try PathID.read("key", context)))
        }

        group.post("experiments/{key}/ship") { request, context -> Response in
            let key = try PathID.read("key", context)
            let body = try await request.bodyData(limit: configuration.maxBodyBytes)
            return try JSONResponse.make(try engine.acting(as: context.actor).shipExperiment(key: key, body: body))
        }

        group.get("experiments/{key}/report") { request, context -> Response in
            let key = try PathID.read("key", context)
            let query = QueryReader(request.uri.queryParameters)
            var reportRequest = ReportRequest()
            reportRequest.options = try ExperimentAnalysisRoutes.statisticsOptions(query)
            if let window = try query.number("window") { reportRequest.windowDays = window }
            if let cuped = try query.flag("cuped") { reportRequest.cuped = cuped }
            if let by = try query.text("by", maxLength: 16) {
                guard let breakdown = ReportRequest.Breakdown(rawValue: by) else {
                    throw APIError(.badRequest, code: "invalid_parameter", message: "'\(by)' is not device, country or segment", field: "by")
                }
                reportRequest.by = breakdown
            }
            return try JSONResponse.make(try engine.experimentReport(key: key, request: reportRequest))
        }
    }
}
