/// The rescaling pass of ``CPUNormalizer``: `((x × scale − shift) − offset) / divisor`
/// over a range of values, eight lanes at a time when one parameter set serves all.
enum Transform {
    static func uniform(_ r: Rescaling, _ values: UnsafeBufferPointer<Double>, _ output: UnsafeMutableBufferPointer<Double>, _ range: Range<Int>) {
        let (scale, shift, offset, divisor) = (r.scale, r.shift[0], r.offset[0], r.divisor[0])
        guard divisor != 0 else {
            output[range].update(repeating: 0)
            return
        }
        let source = values.baseAddress!, target = UnsafeMutableRawPointer(output.baseAddress!)
        let vectorEnd = range.lowerBound + (range.count & ~7)
        var index = range.lowerBound
        while index < vectorEnd {
            let z = ((BlockMoments.load(source, index) * scale - shift) - offset) / divisor
            target.storeBytes(of: z, toByteOffset: index * 8, as: SIMD8<Double>.self)
            index += 8
        }
        for tail in vectorEnd..<range.upperBound { output[tail] = ((values[tail] * scale - shift) - offset) / divisor }
    }

    static func perCategory(
        _ r: Rescaling, _ values: UnsafeBufferPointer<Double>, _ categories: UnsafeBufferPointer<UInt32>,
        _ output: UnsafeMutableBufferPointer<Double>, _ range: Range<Int>
    ) {
        let scale = r.scale
        r.shift.withUnsafeBufferPointer { shift in
            r.offset.withUnsafeBufferPointer { offset in
                r.divisor.withUnsafeBufferPointer { divisor in
                    for index in range {
                        let c = Int(categories[index])
                        let d = divisor[c]
                        output[index] = d == 0 ? 0 : ((values[index] * scale - shift[c]) - offset[c]) / d
                    }
                }
            }
        }
    }
}
