import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// A chart's SVG parsed as XML (which also proves it well-formed: every text escaped),
/// with the lookups the chart tests make.
struct ParsedSVG {
    let root: XMLElement

    init(_ svg: String) throws {
        root = try #require(try XMLDocument(xmlString: svg, options: []).rootElement())
    }

    /// Every element under `element` (the whole chart by default) named `name` and, when
    /// given, of class `className`, in document order.
    func elements(_ name: String, class className: String? = nil, under element: XMLElement? = nil) -> [XMLElement] {
        var found: [XMLElement] = []
        func visit(_ node: XMLElement) {
            for child in node.children ?? [] {
                guard let child = child as? XMLElement else { continue }
                if child.name == name && (className == nil || Self.text(child, "class") == className) { found.append(child) }
                visit(child)
            }
        }
        visit(element ?? root)
        return found
    }

    /// The y axis's ticks, bottom to top: each label's text and its grid line's y.
    func yTicks() throws -> [(label: String, y: Double)] {
        let axis = try #require(elements("g", class: "y-axis").first)
        return try elements("g", class: "tick", under: axis).map { tick in
            let line = try #require(elements("line", under: tick).first)
            let text = try #require(elements("text", under: tick).first)
            return (text.stringValue ?? "", try Self.number(line, "y1"))
        }
    }

    /// The y axis's caption.
    func yCaption() -> String? {
        elements("g", class: "y-axis").first.flatMap { elements("text", class: "caption", under: $0).first?.stringValue }
    }

    /// The attribute `name` of `element` as a number.
    static func number(_ element: XMLElement, _ name: String) throws -> Double {
        try #require(text(element, name).flatMap(Double.init), "no numeric \(name) on \(element.xmlString)")
    }

    /// The attribute `name` of `element`. (Not `attribute(forName:)`: on Linux it finds
    /// nothing in an element of a namespace, as SVG's are.)
    static func text(_ element: XMLElement, _ name: String) -> String? {
        element.attributes?.first { $0.name == name }?.stringValue
    }
}

/// Whether `value` is 1, 2 or 5 times a power of ten.
func isRoundStep(_ value: Double) -> Bool {
    guard value > 0 else { return false }
    let mantissa = value / pow(10, log10(value).rounded(.down))
    return [1.0, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }
}

/// Whether `value` is a power of ten.
func isPowerOfTen(_ value: Double) -> Bool {
    value > 0 && abs(log10(value) - log10(value).rounded()) < 1e-9
}
