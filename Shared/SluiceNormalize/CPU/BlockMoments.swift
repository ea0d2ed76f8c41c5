/// The moments of one block of values small enough to stay in the L1 cache (see
/// ``CPUNormalizer/blockSize``): one pass from memory for the minimum and maximum
/// (which choose the block's power-of-two scale) and the sum, then the corrected sum
/// of squared deviations over the cached block, eight lanes at a time.
///
/// The first pass sums in the scale the caller guesses (the previous block's); when
/// the block turns out to need another, it sums again in that one, so the result never
/// depends on the guess.
enum BlockMoments {
    @inline(__always)
    static func load(_ base: UnsafePointer<Double>, _ index: Int) -> SIMD8<Double> {
        UnsafeRawPointer(base + index).loadUnaligned(as: SIMD8<Double>.self)
    }

    /// The moments of `block` (not empty), relative to `pivot` (the job's first value).
    static func of(_ block: UnsafeBufferPointer<Double>, pivot: Double, guessing guess: Double) -> Moments {
        let base = block.baseAddress!
        let count = block.count
        let vectorEnd = count & ~7

        var lows = SIMD8<Double>(repeating: .infinity), highs = SIMD8<Double>(repeating: -.infinity)
        var sums = SIMD8<Double>()
        let guessedShift = pivot * guess
        var index = 0
        while index < vectorEnd {
            let v = load(base, index)
            // Compare and select: no NaN can occur, and it compiles to plain vector compares.
            lows.replace(with: v, where: v .< lows)
            highs.replace(with: v, where: v .> highs)
            sums += v * guess - guessedShift
            index += 8
        }
        var low = lows.min(), high = highs.max()
        var sum = sums.sum()
        for tail in vectorEnd..<count {
            low = Swift.min(low, base[tail])
            high = Swift.max(high, base[tail])
            sum += base[tail] * guess - guessedShift
        }

        let scale = Moments.scale(forMagnitude: Swift.max(low.magnitude, high.magnitude, pivot.magnitude))
        let shift = pivot * scale
        if scale != guess {
            sums = SIMD8<Double>()
            index = 0
            while index < vectorEnd {
                sums += load(base, index) * scale - shift
                index += 8
            }
            sum = sums.sum()
            for tail in vectorEnd..<count { sum += base[tail] * scale - shift }
        }
        let n = Double(count)
        let mean = sum / n

        // Corrected two-pass: Σe/n removes the rounding left in the mean.
        var firsts = SIMD8<Double>(), seconds = SIMD8<Double>()
        index = 0
        while index < vectorEnd {
            let e = (load(base, index) * scale - shift) - mean
            firsts += e
            seconds += e * e
            index += 8
        }
        var first = firsts.sum(), second = seconds.sum()
        for tail in vectorEnd..<count {
            let e = (base[tail] * scale - shift) - mean
            first += e
            second += e * e
        }
        return Moments(
            count: n, scale: scale, shift: shift, mean: mean + first / n,
            m2: Swift.max(0, second - first * first / n), min: low, max: high
        )
    }
}
