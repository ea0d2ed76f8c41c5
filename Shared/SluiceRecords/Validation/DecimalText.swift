import Foundation

/// Numbers in decimal notation, read exactly as `strtod` reads them, mostly without it.
public enum DecimalText {
    /// The value of `text` in decimal notation (an optional sign, digits with an optional
    /// fraction or a fraction alone, an optional exponent), or nil when it is not in it:
    /// what Double(_:) would also take, such as hexadecimal floats and "nan", is left out.
    ///
    /// Without an exponent and with at most 15 digits, the digits are an integer below
    /// 2^53 and the divisor a power of ten up to 10^15, both exact as doubles, so one
    /// division rounds correctly (Clinger's fast path) and `strtod` is not needed.
    public static func value(_ text: String) -> Double? {
        var text = text
        switch text.withUTF8({ fastValue($0) }) {
        case .none: return nil
        case .some(.none): return Double(text)
        case .some(.some(let value)): return value
        }
    }

    /// ``value(_:)`` of UTF-8 bytes, read in place: `strtod` (what `Double(_:)` calls, in
    /// the C locale Swift programs keep) on a NUL-terminated copy on the stack when the
    /// fast path cannot, no `String` made.
    static func value(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        switch fastValue(bytes) {
        case .none: return nil
        case .some(.some(let value)): return value
        case .some(.none):
            guard bytes.count < 64 else { return Double(String(decoding: bytes, as: UTF8.self)) }
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { copy -> Double? in
                for (index, byte) in bytes.enumerated() { copy[index] = CChar(bitPattern: byte) }
                copy[bytes.count] = 0
                var end: UnsafeMutablePointer<CChar>?
                let value = strtod(copy.baseAddress!, &end)
                return end == copy.baseAddress! + bytes.count ? value : nil
            }
        }
    }

    /// nil when `bytes` are not in decimal notation; `.some(nil)` when they are but need
    /// `strtod` (an exponent, or more than 15 digits); the value otherwise.
    private static func fastValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Double?? {
        var index = 0
        var digits = 0
        var mantissa: UInt64 = 0
        func skipDigits() -> Int {
            let start = index
            while index < bytes.count, ASCII.isDigit(bytes[index]) {
                if digits < maxExactDigits { mantissa = mantissa &* 10 &+ UInt64(bytes[index] - ASCII.zero) }
                digits += 1
                index += 1
            }
            return index - start
        }
        let negative = index < bytes.count && bytes[index] == ASCII.minus
        if index < bytes.count, bytes[index] == ASCII.plus || bytes[index] == ASCII.minus { index += 1 }
        let whole = skipDigits()
        var fraction = 0
        if index < bytes.count, bytes[index] == ASCII.period {
            index += 1
            fraction = skipDigits()
        }
        guard whole > 0 || fraction > 0 else { return nil }
        var exponent = false
        if index < bytes.count, bytes[index] == ASCII.lowerE || bytes[index] == ASCII.upperE {
            exponent = true
            index += 1
            if index < bytes.count, bytes[index] == ASCII.plus || bytes[index] == ASCII.minus { index += 1 }
            guard skipDigits() > 0 else { return nil }
        }
        guard index == bytes.count else { return nil }
        guard !exponent, digits <= maxExactDigits else { return .some(nil) }
        let magnitude = Double(mantissa) / exactPowersOfTen[fraction]
        return .some(negative ? -magnitude : magnitude)
    }

    /// The most digits whose integer is always below 2^53.
    private static let maxExactDigits = 15
    /// 10^0 … 10^15, each exact as a double.
    private static let exactPowersOfTen: [Double] = (0...maxExactDigits).map { (0..<$0).reduce(1.0) { product, _ in product * 10 } }
}
