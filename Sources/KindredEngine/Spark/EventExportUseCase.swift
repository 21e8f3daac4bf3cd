import Foundation
import KindredLearning
import KindredStore

extension Engine {
    /// Writes the events training learns from to a folder a cluster engine reads: one file per
    /// UTC day (`events/day=YYYY-MM-DD/part-00000.csv`, the layout Spark discovers as a `day`
    /// column), and a manifest with the schema, each file's row count and SHA-256, the data
    /// window and the weights. People appear by pseudonym only, and only those whose
    /// personalization consent training honours; what they said they do not want is left out,
    /// as training leaves it out. The folder appears whole or not at all: it is written under a
    /// temporary name and renamed at the end.
    public func exportEvents(_ options: EventExportOptions, progress: (String) -> Void = { _ in }) throws -> EventExportReport {
        let started = WallClock.monotonicSeconds()
        try Self.checkExportTarget(URL(fileURLWithPath: options.folder).standardizedFileURL)
        progress("reading events")
        let data = try TrainingData.load(from: database, includeAnonymousSessions: options.includeAnonymousSessions)
        return try exportEvents(options, data: data, startedAt: started, progress: progress)
    }

    /// The export of events already read (a Spark training keeps them for its import).
    /// `startedAt` is when reading them began: the report's seconds and rate count the reading.
    func exportEvents(
        _ options: EventExportOptions, data: TrainingData, startedAt started: Double, progress: (String) -> Void
    ) throws -> EventExportReport {
        let target = URL(fileURLWithPath: options.folder).standardizedFileURL
        try Self.checkExportTarget(target)
        guard let lastEvent = data.lastEventMs, data.log.count > 0 else {
            throw DataError(file: database.path, message: "no events to export; import some first")
        }
        var evaluation = EvaluationOptions()
        evaluation.testDays = options.validationDays
        evaluation.weights = options.weights
        evaluation.relevantKinds = options.relevantKinds
        evaluation.split = options.split
        evaluation.seed = options.seed
        let split = options.validationDays > 0 ? TimeSplit.evaluable(data, options: evaluation) : nil
        let usableSplit = split.flatMap { $0.evaluation.cases.isEmpty ? nil : $0 }

        let staging = target.deletingLastPathComponent().appendingPathComponent(
            ".\(target.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: staging)
        do {
            try FileManager.default.createDirectory(at: staging.appendingPathComponent("events"), withIntermediateDirectories: true)
        } catch {
            throw ExportProblem.cannotWrite(staging.path)
        }
        do {
            let written = try writePartitions(
                data: data, options: options, lastEvent: lastEvent, split: usableSplit, into: staging, progress: progress)
            let manifest = exportManifest(
                data: data, options: options, lastEvent: lastEvent, split: usableSplit, splitNote: split?.note, partitions: written)
            let manifestData = try JSONSerialization.data(
                withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            try manifestData.write(to: staging.appendingPathComponent("manifest.json"), options: .atomic)
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.moveItem(at: staging, to: target)
            let rows = written.reduce(0) { $0 + $1.rows }
            let seconds = WallClock.monotonicSeconds() - started
            let report = EventExportReport(
                folder: target.path, format: options.format.rawValue, rows: rows, partitions: written.count,
                bytes: written.reduce(0) { $0 + $1.bytes }, seconds: seconds, eventsPerSecond: Double(rows) / max(seconds, 1e-9),
                validationSplit: usableSplit?.method ?? "none")
            try database.writer.write { db in
                try AuditLog.append(
                    action: "events_export", actor: actor,
                    details: [
                        "folder": target.path, "format": options.format.rawValue, "rows": rows, "partitions": written.count,
                        "since_ms": options.sinceMs.map { $0 as any Sendable } ?? NSNull(), "trigger": options.trigger,
                    ], in: db, nowMs: clock.now())
            }
            return report
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// An export goes to a new or empty folder, so that no earlier export's files are read
    /// as part of this one.
    static func checkExportTarget(_ target: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isDirectory) else {
            let parent = target.deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: parent) else {
                throw RequestProblem(.invalid, code: "no_such_folder", message: "\(parent): no such folder to export into", field: "out")
            }
            return
        }
        guard isDirectory.boolValue else {
            throw RequestProblem(.invalid, code: "not_a_folder", message: "\(target.path): exists and is not a folder", field: "out")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []
        guard contents.isEmpty else {
            throw RequestProblem(
                .conflict, code: "folder_not_empty",
                message: "\(target.path): not empty; export into a new folder so that no earlier files are mixed in", field: "out")
        }
    }

    private struct WrittenPartition {
        var day: String
        var path: String
        var rows: Int
        var bytes: Int
        var sha256: String
    }

    private func writePartitions(
        data: TrainingData, options: EventExportOptions, lastEvent: Int64, split: TimeSplit?, into folder: URL,
        progress: (String) -> Void
    ) throws -> [WrittenPartition] {
        let log = data.log
        // Events by UTC day, in time order within a day.
        var byDay: [Int: [Int]] = [:]
        for index in 0..<log.count {
            let time = log.times[index]
            if let since = options.sinceMs, time < since { continue }
            byDay[Int((Double(time) / 86_400_000).rounded(.down)), default: []].append(index)
        }
        let people: [String] = data.userPKs.map { data.userPseudonyms[$0] ?? "" }
        let typeNames = InteractionKind.allCases.map { TrainingDataKinds.name(of: $0) }
        var written: [WrittenPartition] = []
        for day in byDay.keys.sorted() {
            let dayText = String(TimestampFormatter.iso8601(milliseconds: Int64(day) * 86_400_000).prefix(10))
            let relative = "events/day=\(dayText)/part-00000.\(options.format.fileExtension)"
            let file = folder.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            var writer = try ExportPartitionWriter(path: file.path)
            if options.format == .csv { try writer.append(line: ExportLine.csvHeader(), isRow: false) }
            let indices = byDay[day]!.sorted { (log.times[$0], $0) < (log.times[$1], $1) }
            for index in indices {
                let row = Int(log.users[index])
                let person = row < people.count ? people[row] : "~session-\(row - people.count + 1)"
                // A person erased while the export read has no pseudonym left: their events stay out.
                if person.isEmpty { continue }
                let kind = log.kinds[index]
                let base = options.weights.weight(kind, value: log.values[index])
                let time = log.times[index]
                let weight = base * options.weights.decay(at: time, referenceTime: lastEvent)
                let validationWeight: Float =
                    split.map { $0.trains(on: index, of: data) ? base * options.weights.decay(at: time, referenceTime: $0.cutMs) : 0 }
                    ?? weight
                let item = data.catalog.itemIDs[Int(log.items[index])]
                let type = typeNames[Int(kind.rawValue)]
                switch options.format {
                case .csv:
                    try writer.append(
                        line: ExportLine.csv(
                            person: person, item: item, type: type, value: log.values[index], time: time, weight: weight,
                            validationWeight: validationWeight))
                case .jsonl:
                    try writer.append(
                        line: ExportLine.jsonl(
                            person: person, item: item, type: type, value: log.values[index], time: time, weight: weight,
                            validationWeight: validationWeight))
                }
            }
            let sha = try writer.finish()
            written.append(WrittenPartition(day: dayText, path: relative, rows: writer.rows, bytes: writer.bytes, sha256: sha))
            if written.count % 30 == 0 { progress("wrote \(written.count) days") }
        }
        return written
    }

    private func exportManifest(
        data: TrainingData, options: EventExportOptions, lastEvent: Int64, split: TimeSplit?, splitNote: String?,
        partitions: [WrittenPartition]
    ) -> [String: Any] {
        var validation: [String: Any] = ["method": split?.method ?? "none", "days": options.validationDays]
        if let split { validation["cut_ms"] = split.cutMs }
        if split?.method == SplitMethod.random.reportName { validation["seed"] = options.seed }
        if let splitNote { validation["note"] = splitNote }
        let weights = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(options.weights))) ?? [:]
        return [
            "kind": "kindred-events-export",
            "version": 1,
            "format": options.format.rawValue,
            "schema": EventExportSchema.columns.map { ["name": $0.name, "type": $0.type, "description": $0.description] },
            "partition_column": "day",
            "partitions": partitions.map { ["day": $0.day, "path": $0.path, "rows": $0.rows, "bytes": $0.bytes, "sha256": $0.sha256] },
            "rows": partitions.reduce(0) { $0 + $1.rows },
            "data_max_event_pk": data.maxEventPK,
            "data_from_ms": data.firstEventMs ?? 0,
            "data_to_ms": lastEvent,
            "since_ms": options.sinceMs ?? NSNull(),
            "weights": weights,
            "include_anonymous_sessions": options.includeAnonymousSessions,
            "relevant": options.relevantKinds.map(TrainingDataKinds.name(of:)).sorted(),
            "validation": validation,
            "consent": "only people whose personalization consent allows training; items they marked not interested left out",
            "created_ms": clock.now(),
        ]
    }
}
