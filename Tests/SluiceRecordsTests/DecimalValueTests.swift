import SluiceRecords
import SluiceTestSupport
import Testing

/// A CSV value is read without `strtod` when it has at most 15 digits and no exponent;
/// the result must be the double `strtod` gives, bit for bit, in that range and at its edges.
@Suite struct DecimalValueTests {
    private func value(_ text: String) -> Double? {
        let report = RecordValidator().validate([CandidateRecord(id: .text("1"), value: .text(text), category: .text("A"))])
        return report.valid.first?.value
    }

    @Test func generatedLiteralsReadAsStrtodReadsThem() {
        var random = SplitMix64(seed: 20261129)
        var checked = 0
        for _ in 0..<200_000 {
            let digits = Int.random(in: 1...17, using: &random)  // past 15 as well: the slow path
            var text = String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
            let point = Int.random(in: 0...digits, using: &random)
            if point < digits || Bool.random(using: &random) {
                text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            }
            switch Int.random(in: 0..<4, using: &random) {
            case 0: text = "-" + text
            case 1: text = "+" + text
            default: break
            }
            guard text != "." && text != "-." && text != "+." else { continue }
            let expected = Double(text)!
            #expect(value(text)?.bitPattern == expected.bitPattern, "\(text)")
            checked += 1
        }
        #expect(checked > 190_000)
    }

    @Test func edgesOfTheFastPath() {
        for text in [
            "0", "-0", "+0", "-0.0", ".5", "5.", "0.1", "0.3", "2.675", "999999999999999", "999999999999999.9",
            "0.000000000000001", "0.0000000000000001", "9007199254740993", "123456789012345.6",
            "1e3", "1E-3", "-2.5e+2", "000000000000000001.5",
        ] {
            #expect(value(text)?.bitPattern == Double(text)!.bitPattern, "\(text)")
        }
        #expect(value("-0")?.sign == .minus)
        for refused in ["", ".", "-", "1.2.3", "1e", "0x10", "nan", "1_000", " 1"] {
            #expect(value(refused) == nil, "\(refused)")
        }
    }
}
