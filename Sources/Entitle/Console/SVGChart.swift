import Foundation

/// A bar chart drawn on the server as SVG: no JavaScript, no third-party front-end code, and it
/// prints. Text in it is escaped here (the page embeds it unescaped).
struct SVGChart {
    struct Bar {
        var label: String
        var value: Double
    }

    var bars: [Bar]
    var unit: String
    var width = 480
    var height = 180

    var svg: String {
        let top = bars.map(\.value).max() ?? 0
        let (left, bottom, right) = (44.0, 28.0, 8.0)
        let plotWidth = Double(width) - left - right
        let plotHeight = Double(height) - bottom - 10
        let slot = bars.isEmpty ? plotWidth : plotWidth / Double(bars.count)
        let (blue, grey, axis) = ("rgb(26,115,232)", "rgb(95,99,104)", "rgb(154,160,166)")
        var parts = [
            #"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 \#(width) \#(height)" width="\#(width)" height="\#(height)" style="max-width:100%;height:auto">"#,
            #"<rect width="100%" height="100%" fill="white"/>"#,
            #"<text x="4" y="14" font-size="10" fill="\#(grey)">\#(Self.escape(Self.format(top))) \#(Self.escape(unit))</text>"#,
            #"<line x1="\#(left)" y1="\#(10 + plotHeight)" x2="\#(Double(width) - right)" y2="\#(10 + plotHeight)" stroke="\#(axis)"/>"#,
        ]
        if bars.isEmpty {
            parts.append(
                #"<text x="\#(left + 8)" y="\#(height / 2)" font-size="12" fill="\#(grey)">No data yet.</text>"#
            )
        }
        let labelEvery = max(1, bars.count / 8)
        for (index, bar) in bars.enumerated() {
            let barHeight = top > 0 ? plotHeight * bar.value / top : 0
            let x = left + Double(index) * slot + slot * 0.1
            let y = 10 + plotHeight - barHeight
            let tip = "\(Self.escape(bar.label)): \(Self.escape(Self.format(bar.value))) \(Self.escape(unit))"
            parts.append(
                #"<rect x="\#(Self.round(x))" y="\#(Self.round(y))" width="\#(Self.round(slot * 0.8))" height="\#(Self.round(barHeight))" fill="\#(blue)"><title>\#(tip)</title></rect>"#
            )
            if index % labelEvery == 0 {
                parts.append(
                    #"<text x="\#(Self.round(x))" y="\#(height - 10)" font-size="9" fill="\#(grey)">\#(Self.escape(bar.label))</text>"#
                )
            }
        }
        parts.append("</svg>")
        return parts.joined()
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.1f", value)
    }

    private static func round(_ value: Double) -> String { String(format: "%.1f", value) }
}
