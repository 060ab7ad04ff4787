/// The report as one self-contained HTML page (no script, nothing fetched): the table, then for every
/// operation its requests per second and its latency percentiles over the run, drawn as inline SVG.
enum ReportPage {
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    static func render(_ report: LoadReport) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>loadgen report</title>
            <style>
            body{font:14px system-ui,sans-serif;margin:2em;color:#222}
            pre{background:#f6f6f6;padding:1em;overflow-x:auto}
            section{display:inline-block;vertical-align:top;margin:0 2em 2em 0}
            h2{font-size:16px;margin:.5em 0}
            svg text{font:11px system-ui,sans-serif;fill:#444}
            .fail{color:#b00}
            </style></head><body>
            <h1>Trading day against \(escape(report.url))</h1>
            <p>\(report.users) users, target \(ReportTable.format(report.targetRate)) req/s, achieved \(ReportTable.format(report.achievedRate)) req/s over \(ReportTable.format(report.durationSeconds)) s; latency from each request's due time (open loop).</p>

            """
        if let verification = report.verification {
            html += verification.passed
                ? "<p>Verification passed: \(verification.usersChecked) users, \(verification.ordersChecked) orders exact to the cent.</p>\n"
                : "<p class=\"fail\">Verification FAILED: \(verification.problemCount) differences.</p>\n"
        }
        html += "<pre>\(escape(ReportTable.render(report)))</pre>\n"
        let timed = report.operations.filter { !$0.timeline.isEmpty && $0.count > 0 }
        html += "<section><h2>Requests per second, every operation</h2>\n"
        html += chart(series: timed.enumerated().map { (index, operation) in
            (operation.name, colors[index % colors.count], operation.timeline.map { (Double($0.second), Double($0.count)) })
        }, unit: "req/s")
        html += "</section>\n"
        for operation in timed {
            let points = operation.timeline
            html += "<section><h2>\(escape(operation.name)): latency (ms)</h2>\n"
            html += chart(series: [
                ("p50", colors[0], points.map { (Double($0.second), Double($0.p50Microseconds) / 1000) }),
                ("p90", colors[2], points.map { (Double($0.second), Double($0.p90Microseconds) / 1000) }),
                ("p99", colors[4], points.map { (Double($0.second), Double($0.p99Microseconds) / 1000) }),
                ("p99.9", colors[1], points.map { (Double($0.second), Double($0.p999Microseconds) / 1000) }),
            ], unit: "ms")
            html += "</section>\n"
        }
        html += "</body></html>\n"
        return html
    }

    /// A line chart of `series` over seconds, with axes, a legend and the y scale's top value.
    static func chart(series: [(name: String, color: String, points: [(x: Double, y: Double)])], unit: String) -> String {
        let width = 520.0, height = 220.0, left = 56.0, bottom = 24.0, top = 10.0, right = 90.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let xMax = max(1, series.flatMap { $0.points.map(\.x) }.max() ?? 1)
        let yMax = niceCeiling(series.flatMap { $0.points.map(\.y) }.max() ?? 1)
        func x(_ value: Double) -> String { format(left + value / xMax * plotWidth) }
        func y(_ value: Double) -> String { format(top + plotHeight - value / yMax * plotHeight) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">\n"
        svg += "<rect x=\"\(format(left))\" y=\"\(format(top))\" width=\"\(format(plotWidth))\" height=\"\(format(plotHeight))\" fill=\"none\" stroke=\"#ccc\"/>\n"
        for step in 0...4 {
            let value = yMax * Double(step) / 4
            svg += "<line x1=\"\(format(left))\" x2=\"\(format(left + plotWidth))\" y1=\"\(y(value))\" y2=\"\(y(value))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(format(left - 4))\" y=\"\(y(value))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(trim(value))</text>\n"
        }
        svg += "<text x=\"\(format(left))\" y=\"\(format(height - 6))\">0 s</text>"
        svg += "<text x=\"\(format(left + plotWidth))\" y=\"\(format(height - 6))\" text-anchor=\"end\">\(Int(xMax)) s</text>"
        svg += "<text x=\"4\" y=\"\(format(top + 8))\">\(escape(unit))</text>\n"
        for (index, line) in series.enumerated() {
            let path = line.points.map { "\(x($0.x)),\(y($0.y))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.5\" points=\"\(path)\"/>\n"
            let legendY = format(top + 12 + Double(index) * 16)
            svg += "<line x1=\"\(format(width - right + 8))\" x2=\"\(format(width - right + 24))\" y1=\"\(legendY)\" y2=\"\(legendY)\" stroke=\"\(line.color)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(format(width - right + 28))\" y=\"\(legendY)\" dominant-baseline=\"middle\">\(escape(line.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var power = 1.0
        while power * 10 <= value { power *= 10 }
        while power > value { power /= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * power >= value { return factor * power }
        return 10 * power
    }

    private static func format(_ value: Double) -> String { String(Int((value * 10).rounded())) .withDecimal }
    private static func trim(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(Int((value * 100).rounded())).withTwoDecimals
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}

private extension String {
    /// `"1234"` (tenths) → `"123.4"`.
    var withDecimal: String { decimal(places: 1) }
    /// `"1234"` (hundredths) → `"12.34"`.
    var withTwoDecimals: String { decimal(places: 2) }

    func decimal(places: Int) -> String {
        let negative = hasPrefix("-")
        var digits = negative ? String(dropFirst()) : self
        while digits.count <= places { digits = "0" + digits }
        return (negative ? "-" : "") + digits.dropLast(places) + "." + digits.suffix(places)
    }
}
