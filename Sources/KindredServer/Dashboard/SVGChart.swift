import Foundation
import KindredEngine
import KindredStore

/// Charts drawn on the server as inline SVG: no script, no network. Every mark carries the value
/// it stands for (`data-value`, exactly as SQLite returned it), so that a test can hold the
/// picture to the query shown beside it, and a `<title>` that a pointer or a screen reader shows.
enum SVGChart {
    static let width = 640.0
    static let left = 58.0
    static let right = 16.0
    static let top = 14.0

    /// A number with all its digits, as a data attribute.
    static func raw(_ cell: QueryCell) -> String { cell.text }

    // MARK: Lines

    struct Series {
        var name: String
        /// The result column the values come from, and the result row of each (nil where the
        /// query had no row for that point).
        var column: String
        var values: [QueryCell]
        var rows: [Int?]
        /// The interval around each value, drawn as a band.
        var band: Band? = nil
    }

    struct Band {
        var lowColumn: String
        var highColumn: String
        var low: [QueryCell]
        var high: [QueryCell]
    }

    /// Lines over a shared x axis; nulls break a line.
    static func lines(id: String, title: String, x labels: [String], series: [Series], format: ValueFormat, height: Double = 240) -> String {
        let bottom = 42.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let numbers = series.flatMap { line in
            line.values.compactMap(\.number) + (line.band.map { $0.low.compactMap(\.number) + $0.high.compactMap(\.number) } ?? [])
        }
        let (low, high, ticks) = axis(numbers)
        func xPosition(_ index: Int) -> Double {
            labels.count <= 1 ? left + plotWidth / 2 : left + plotWidth * Double(index) / Double(labels.count - 1)
        }
        func yPosition(_ value: Double) -> Double { top + plotHeight * (1 - (value - low) / (high - low)) }
        var svg = open(id: id, title: title, height: height, description: linesDescription(labels: labels, series: series, format: format))
        svg += grid(ticks: ticks, y: yPosition, format: format)
        let step = max(1, Int((Double(labels.count) / 6).rounded(.up)))
        var tickIndices = Array(stride(from: 0, to: labels.count, by: step))
        if let lastTick = tickIndices.last, lastTick != labels.count - 1 {
            // The last label is always written; a tick too close before it gives way.
            if labels.count - 1 - lastTick < max(1, step / 2), tickIndices.count > 1 { tickIndices.removeLast() }
            tickIndices.append(labels.count - 1)
        }
        for index in tickIndices {
            let label = labels[index]
            svg += "<text class=\"tick\" x=\"\(fixed(xPosition(index)))\" y=\"\(fixed(height - bottom + 16))\" text-anchor=\"middle\">\(HTMLText.escape(shortLabel(label)))</text>"
        }
        for (seriesIndex, line) in series.enumerated() {
            guard let band = line.band else { continue }
            // Runs of points with both bounds, each a closed band under the lines.
            var run: [(x: Double, low: Double, high: Double)] = []
            func close() {
                if run.count > 1 {
                    let upper = run.map { "\(fixed($0.x)),\(fixed(yPosition($0.high)))" }
                    let lower = run.reversed().map { "\(fixed($0.x)),\(fixed(yPosition($0.low)))" }
                    svg += "<polygon class=\"band\" points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(ChartPalette.colour(seriesIndex))\" fill-opacity=\"0.18\"/>"
                } else if let point = run.first {
                    svg += "<line class=\"band\" x1=\"\(fixed(point.x))\" x2=\"\(fixed(point.x))\" y1=\"\(fixed(yPosition(point.low)))\" y2=\"\(fixed(yPosition(point.high)))\" stroke=\"\(ChartPalette.colour(seriesIndex))\" stroke-opacity=\"0.4\" stroke-width=\"6\"/>"
                }
                run = []
            }
            for index in labels.indices {
                if let low = band.low[index].number, let high = band.high[index].number {
                    run.append((xPosition(index), low, high))
                } else {
                    close()
                }
            }
            close()
        }
        for (seriesIndex, line) in series.enumerated() {
            let colour = ChartPalette.colour(seriesIndex)
            var segments: [[(Double, Double)]] = [[]]
            for (index, cell) in line.values.enumerated() {
                if let value = cell.number {
                    segments[segments.count - 1].append((xPosition(index), yPosition(value)))
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            for segment in segments where segment.count > 1 {
                let points = segment.map { "\(fixed($0.0)),\(fixed($0.1))" }.joined(separator: " ")
                let dash = ChartPalette.dash(seriesIndex)
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"") points=\"\(points)\"/>"
            }
            for (index, cell) in line.values.enumerated() {
                guard let value = cell.number else { continue }
                let label = index < labels.count ? labels[index] : ""
                let row = line.rows[index].map(String.init) ?? ""
                var bounds = ""
                if let band = line.band {
                    bounds =
                        " data-low-column=\"\(HTMLText.escape(band.lowColumn))\" data-low=\"\(HTMLText.escape(raw(band.low[index])))\" data-high-column=\"\(HTMLText.escape(band.highColumn))\" data-high=\"\(HTMLText.escape(raw(band.high[index])))\""
                }
                svg += "<circle class=\"mark\" data-series=\"\(HTMLText.escape(line.name))\" data-column=\"\(HTMLText.escape(line.column))\" data-row=\"\(row)\" data-x=\"\(HTMLText.escape(label))\"\(bounds) data-value=\"\(HTMLText.escape(raw(cell)))\" cx=\"\(fixed(xPosition(index)))\" cy=\"\(fixed(yPosition(value)))\" r=\"3\" fill=\"\(colour)\"><title>\(HTMLText.escape("\(line.name), \(label): \(ValueText.format(value, format))"))</title></circle>"
            }
        }
        return svg + "</svg>"
    }

    // MARK: Bars

    /// Horizontal bars, one per row, with the value written beside each.
    static func bars(id: String, title: String, labels: [String], values: [QueryCell], column: String, format: ValueFormat) -> String {
        let rowHeight = 24.0
        let labelWidth = 150.0
        let valueWidth = 74.0
        let height = top + rowHeight * Double(max(labels.count, 1)) + 8
        let numbers = values.compactMap(\.number)
        let high = max(numbers.max() ?? 0, 0)
        let low = min(numbers.min() ?? 0, 0)
        let span = high - low > 0 ? high - low : 1
        let plotWidth = width - labelWidth - valueWidth - right
        func xPosition(_ value: Double) -> Double { labelWidth + plotWidth * (value - low) / span }
        var svg = open(id: id, title: title, height: height, description: barsDescription(labels: labels, values: values, format: format))
        if labels.isEmpty {
            svg += "<text class=\"empty\" x=\"\(fixed(width / 2))\" y=\"\(fixed(top + 12))\" text-anchor=\"middle\">nothing to show for this period</text>"
        }
        for (index, label) in labels.enumerated() {
            let y = top + rowHeight * Double(index)
            svg += "<text class=\"label\" x=\"\(fixed(labelWidth - 8))\" y=\"\(fixed(y + 15))\" text-anchor=\"end\">\(HTMLText.escape(truncated(label, 22)))<title>\(HTMLText.escape(label))</title></text>"
            let cell = values[index]
            if let value = cell.number {
                let start = xPosition(min(0, value))
                let end = xPosition(max(0, value))
                svg += "<rect class=\"mark\" data-column=\"\(HTMLText.escape(column))\" data-row=\"\(index)\" data-value=\"\(HTMLText.escape(raw(cell)))\" x=\"\(fixed(start))\" y=\"\(fixed(y + 3))\" width=\"\(fixed(max(end - start, 1)))\" height=\"\(fixed(rowHeight - 8))\" fill=\"\(ChartPalette.colour(0))\"><title>\(HTMLText.escape("\(label): \(ValueText.format(value, format))"))</title></rect>"
            }
            svg += "<text class=\"value\" x=\"\(fixed(width - right))\" y=\"\(fixed(y + 15))\" text-anchor=\"end\">\(HTMLText.escape(ValueText.format(cell.number, format)))</text>"
        }
        return svg + "</svg>"
    }

    // MARK: Intervals

    struct Interval {
        /// The row of the query's result it draws.
        var row: Int
        var label: String
        var estimate: QueryCell
        var low: QueryCell
        var high: QueryCell
        /// The result columns of the estimate and its bounds.
        var columns: (estimate: String, low: String, high: String)
    }

    /// Estimates with their intervals around a zero line (an experiment's effects).
    static func intervals(id: String, title: String, rows: [Interval], format: ValueFormat) -> String {
        let rowHeight = 28.0
        let labelWidth = 190.0
        let valueWidth = 150.0
        let height = top + rowHeight * Double(max(rows.count, 1)) + 26
        let numbers: [Double] = rows.flatMap { [$0.estimate.number, $0.low.number, $0.high.number].compactMap { $0 } } + [0]
        let bound = max(numbers.map { abs($0) }.max() ?? 0, 1e-9) * 1.1
        let plotWidth = width - labelWidth - valueWidth - right
        func xPosition(_ value: Double) -> Double { labelWidth + plotWidth * (value + bound) / (2 * bound) }
        var svg = open(id: id, title: title, height: height, description: intervalsDescription(rows, format: format))
        let zero = xPosition(0)
        let bottom = top + rowHeight * Double(max(rows.count, 1))
        svg += "<line class=\"zero\" x1=\"\(fixed(zero))\" x2=\"\(fixed(zero))\" y1=\"\(fixed(top - 4))\" y2=\"\(fixed(bottom))\"/>"
        for value in [-bound / 1.1, 0, bound / 1.1] {
            svg += "<text class=\"tick\" x=\"\(fixed(xPosition(value)))\" y=\"\(fixed(bottom + 16))\" text-anchor=\"middle\">\(HTMLText.escape(ValueText.format(value, format)))</text>"
        }
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index) + rowHeight / 2
            svg += "<text class=\"label\" x=\"\(fixed(labelWidth - 8))\" y=\"\(fixed(y + 4))\" text-anchor=\"end\">\(HTMLText.escape(truncated(row.label, 28)))<title>\(HTMLText.escape(row.label))</title></text>"
            guard let estimate = row.estimate.number else {
                svg += "<text class=\"value\" x=\"\(fixed(width - right))\" y=\"\(fixed(y + 4))\" text-anchor=\"end\">baseline</text>"
                continue
            }
            let significant = (row.low.number ?? -1) > 0 || (row.high.number ?? 1) < 0
            let colour = significant ? ChartPalette.colour(estimate > 0 ? 2 : 5) : ChartPalette.colour(0)
            svg += "<g class=\"mark\" data-row=\"\(row.row)\" data-column=\"\(HTMLText.escape(row.columns.estimate))\" data-value=\"\(HTMLText.escape(raw(row.estimate)))\" data-low-column=\"\(HTMLText.escape(row.columns.low))\" data-low=\"\(HTMLText.escape(raw(row.low)))\" data-high-column=\"\(HTMLText.escape(row.columns.high))\" data-high=\"\(HTMLText.escape(raw(row.high)))\">"
            if let low = row.low.number, let high = row.high.number {
                svg += "<line x1=\"\(fixed(xPosition(low)))\" x2=\"\(fixed(xPosition(high)))\" y1=\"\(fixed(y))\" y2=\"\(fixed(y))\" stroke=\"\(colour)\" stroke-width=\"3\"/>"
            }
            svg += "<rect x=\"\(fixed(xPosition(estimate) - 4))\" y=\"\(fixed(y - 6))\" width=\"8\" height=\"12\" fill=\"\(colour)\"/>"
            let text = "\(ValueText.format(estimate, format)) (\(ValueText.format(row.low.number, format)) to \(ValueText.format(row.high.number, format)))"
            svg += "<title>\(HTMLText.escape("\(row.label): \(text)"))</title></g>"
            svg += "<text class=\"value\" x=\"\(fixed(width - right))\" y=\"\(fixed(y + 4))\" text-anchor=\"end\">\(HTMLText.escape(text))</text>"
        }
        return svg + "</svg>"
    }

    // MARK: Parts

    private static func open(id: String, title: String, height: Double, description: String) -> String {
        "<svg class=\"chart\" id=\"chart-\(id)\" viewBox=\"0 0 \(fixed(width)) \(fixed(height))\" role=\"img\" aria-labelledby=\"chart-\(id)-title chart-\(id)-desc\" xmlns=\"http://www.w3.org/2000/svg\"><title id=\"chart-\(id)-title\">\(HTMLText.escape(title))</title><desc id=\"chart-\(id)-desc\">\(HTMLText.escape(description))</desc>"
    }

    private static func grid(ticks: [Double], y: (Double) -> Double, format: ValueFormat) -> String {
        var svg = ""
        for tick in ticks {
            svg += "<line class=\"grid\" x1=\"\(fixed(left))\" x2=\"\(fixed(width - right))\" y1=\"\(fixed(y(tick)))\" y2=\"\(fixed(y(tick)))\"/>"
            svg += "<text class=\"tick\" x=\"\(fixed(left - 6))\" y=\"\(fixed(y(tick) + 4))\" text-anchor=\"end\">\(HTMLText.escape(ValueText.format(tick, format)))</text>"
        }
        return svg
    }

    /// A y axis from zero (or below, for negatives) to a round number above the largest value.
    static func axis(_ values: [Double]) -> (low: Double, high: Double, ticks: [Double]) {
        let maximum = max(values.max() ?? 0, 0)
        let minimum = min(values.min() ?? 0, 0)
        let span = maximum - minimum
        guard span > 0 else { return (0, 1, [0, 0.5, 1]) }
        let rough = span / 4
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let low = floor(minimum / step) * step
        let high = ceil(maximum / step) * step
        let ticks = stride(from: low, through: high + step / 2, by: step).map { $0 }
        return (low, high, ticks)
    }

    static func fixed(_ value: Double) -> String { String(format: "%.1f", value) }

    static func truncated(_ text: String, _ length: Int) -> String { text.count <= length ? text : String(text.prefix(length - 1)) + "…" }

    /// Dates lose their year on an axis; other labels are cut.
    static func shortLabel(_ label: String) -> String {
        if label.count == 10, label.dropFirst(4).first == "-" { return String(label.dropFirst(5)) }
        if label.count == 20, label.hasSuffix("Z") { return String(label.dropFirst(5).prefix(11)).replacingOccurrences(of: "T", with: " ") }
        return truncated(label, 12)
    }

    // MARK: Text alternatives

    static func linesDescription(labels: [String], series: [Series], format: ValueFormat) -> String {
        guard let first = labels.first, let last = labels.last else { return "No data for this period." }
        var parts = ["Line chart over \(labels.count) points from \(first) to \(last)."]
        for line in series {
            let values = line.values.compactMap(\.number)
            guard let low = values.min(), let high = values.max() else {
                parts.append("\(line.name): no values.")
                continue
            }
            let lastValue = line.values.last(where: { $0.number != nil })?.number
            parts.append(
                "\(line.name): from \(ValueText.format(low, format)) to \(ValueText.format(high, format)), last \(ValueText.format(lastValue, format)).")
        }
        return parts.joined(separator: " ")
    }

    static func barsDescription(labels: [String], values: [QueryCell], format: ValueFormat) -> String {
        guard !labels.isEmpty else { return "No data for this period." }
        let pairs = zip(labels, values).compactMap { label, cell in cell.number.map { (label, $0) } }
        guard let best = pairs.max(by: { $0.1 < $1.1 }), let worst = pairs.min(by: { $0.1 < $1.1 }) else {
            return "Bar chart of \(labels.count) rows, none with a value."
        }
        return "Bar chart of \(labels.count) rows. Highest: \(best.0) at \(ValueText.format(best.1, format)). Lowest: \(worst.0) at \(ValueText.format(worst.1, format))."
    }

    static func intervalsDescription(_ rows: [Interval], format: ValueFormat) -> String {
        let parts = rows.compactMap { row -> String? in
            guard let estimate = row.estimate.number else { return nil }
            return "\(row.label): \(ValueText.format(estimate, format)), interval \(ValueText.format(row.low.number, format)) to \(ValueText.format(row.high.number, format))."
        }
        return parts.isEmpty ? "No effects estimated yet." : "Effects with their intervals. " + parts.joined(separator: " ")
    }
}
