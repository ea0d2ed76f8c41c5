import Foundation
import Testing
@testable import sluice

@Suite struct ChartScaleTests {
    @Test(arguments: [0.7, 3.7, 12.2, 99.0, 100.0, 1_234.0, 0.000_42, 0])
    func linearTicksAreRoundStepsFromZeroToTheLargestValue(largest: Double) throws {
        let scale = ChartScale.fitting([largest / 3, largest])
        #expect(scale.kind == .linear)
        let values = scale.ticks.map(\.value)
        #expect(values.first == 0 && scale.lower == 0 && scale.upper == values.last)
        #expect((2...11).contains(values.count), "\(values)")
        let step = values[1] - values[0]
        #expect(isRoundStep(step), "step \(step)")
        for (below, above) in zip(values, values.dropFirst()) {
            #expect(abs(above - below - step) < step * 1e-9, "uneven ticks \(values)")
        }
        // The first tick at or above the largest value (1 when there is nothing but zero).
        let top = largest > 0 ? largest : 1
        #expect(values.last! >= top && values.last! - step < top, "\(values) does not end at the first tick at or over \(top)")
        for tick in scale.ticks {
            #expect(Double(tick.label).map { abs($0 - tick.value) <= tick.value * 1e-9 } == true, "label \(tick.label) for \(tick.value)")
        }
    }

    @Test func countsGetWholeTicks() {
        let scale = ChartScale.fitting([1, 3], allowsLog: false, wholeNumbers: true)
        #expect(scale.ticks.allSatisfy { $0.value == $0.value.rounded() } && scale.upper >= 3)
    }

    @Test func valuesSpanningMoreThanTwoOrdersOfMagnitudeGetALogScale() {
        let scale = ChartScale.fitting([1.1459, 0.0002, 0])
        #expect(scale.kind == .log)
        #expect(scale.ticks.allSatisfy { isPowerOfTen($0.value) }, "\(scale.ticks)")
        #expect(scale.lower <= 0.0002 / 10.0.squareRoot() && scale.upper >= 1.1459)
        #expect(scale.fraction(0) == 0 && scale.fraction(0.0002) > 0.1 && scale.fraction(1.1459) > scale.fraction(0.0002))
        #expect(scale.caption("USD") == "USD (log scale)")
        #expect(ChartScale.fitting([1, 100]).kind == .linear, "two orders of magnitude exactly stay linear")
        #expect(ChartScale.fitting([1.1459, 0.0002], allowsLog: false).kind == .linear)
    }

    @Test func aWideLogScaleKeepsItsTicksFew() {
        let scale = ChartScale.fitting([1e-9, 1e6])
        #expect(scale.ticks.count <= 9 && scale.ticks.allSatisfy { isPowerOfTen($0.value) })
        #expect(scale.lower <= 1e-9 && scale.upper >= 1e6)
    }
}
