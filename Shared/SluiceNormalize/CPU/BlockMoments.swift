/// The moments of one block of values small enough to stay in the L1 cache (see
/// ``CPUNormalizer/blockSize``), eight lanes at a time.
///
/// One pass from memory takes the minimum and maximum (which choose the block's
/// power-of-two scale) and Σd, Σd² of d = value·scale − shift, the shift being the
/// block's first value. Since the shift is one of the block's values, Σd² − (Σd)²/n can
/// cancel at most log2(block size + 1) bits; where it would cancel more than 8 (the first
/// value is an outlier of its block), the block takes the corrected two-pass over its
/// cached values instead. The pass sums in the scale the caller guesses (the previous
/// block's) and sums again over the cached block when the block needs another one, so the
/// result never depends on the guess.
enum BlockMoments {
    @inline(__always)
    static func load(_ base: UnsafePointer<Double>, _ index: Int) -> SIMD8<Double> {
        UnsafeRawPointer(base + index).loadUnaligned(as: SIMD8<Double>.self)
    }

    @inline(__always)
    static func load4(_ base: UnsafePointer<Double>, _ index: Int) -> SIMD4<Double> {
        UnsafeRawPointer(base + index).loadUnaligned(as: SIMD4<Double>.self)
    }

    /// The moments of `block` (not empty), guessing it needs the scale `guess`.
    static func of(_ block: UnsafeBufferPointer<Double>, guessing guess: Double) -> Moments {
        let base = block.baseAddress!
        let count = block.count
        let vectorEnd = count & ~7

        // Four accumulators of four lanes: eight of eight would not fit in 16 SSE registers.
        let vector4End = count & ~3
        var lows = SIMD4<Double>(repeating: .infinity), highs = SIMD4<Double>(repeating: -.infinity)
        var sums4 = SIMD4<Double>(), squares4 = SIMD4<Double>()
        let guessedShift = base[0] * guess
        var index = 0
        while index < vector4End {
            let v = load4(base, index)
            // Compare and select: no NaN can occur, and it compiles to minpd and maxpd.
            lows.replace(with: v, where: v .< lows)
            highs.replace(with: v, where: v .> highs)
            let d = v * guess - guessedShift
            sums4 += d
            squares4 += d * d
            index += 4
        }
        var low = lows.min(), high = highs.max()
        var (sum, square) = (sums4.sum(), squares4.sum())
        for tail in vector4End..<count {
            low = Swift.min(low, base[tail])
            high = Swift.max(high, base[tail])
        }
        let scale = Moments.scale(forMagnitude: Swift.max(low.magnitude, high.magnitude))
        let shift = base[0] * scale
        if scale == guess {
            for tail in vector4End..<count {
                let d = base[tail] * scale - shift
                sum += d
                square += d * d
            }
        } else {
            var sums = SIMD8<Double>(), squares = SIMD8<Double>()
            index = 0
            while index < vectorEnd {
                let d = load(base, index) * scale - shift
                sums += d
                squares += d * d
                index += 8
            }
            (sum, square) = (sums.sum(), squares.sum())
            for tail in vectorEnd..<count {
                let d = base[tail] * scale - shift
                sum += d
                square += d * d
            }
        }
        let n = Double(count)
        var mean = sum / n
        var m2 = square - sum * sum / n
        if m2 < square / 256 {
            (mean, m2) = twoPass(base, count, scale: scale, shift: shift, mean: mean)
        }
        return Moments(count: n, scale: scale, shift: shift, mean: mean, m2: Swift.max(0, m2), min: low, max: high)
    }

    /// The corrected two-pass over the cached block: Σe/n removes the rounding left in `mean`.
    private static func twoPass(_ base: UnsafePointer<Double>, _ count: Int, scale: Double, shift: Double, mean: Double) -> (mean: Double, m2: Double) {
        let vectorEnd = count & ~7
        var firsts = SIMD8<Double>(), seconds = SIMD8<Double>()
        var index = 0
        while index < vectorEnd {
            let e = (load(base, index) * scale - shift) - mean
            firsts += e
            seconds += e * e
            index += 8
        }
        var (first, second) = (firsts.sum(), seconds.sum())
        for tail in vectorEnd..<count {
            let e = (base[tail] * scale - shift) - mean
            first += e
            second += e * e
        }
        let n = Double(count)
        return (mean + first / n, second - first * first / n)
    }
}
