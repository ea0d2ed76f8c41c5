import Foundation
import SluiceContracts
import SluiceCore

/// What a second of compute costs, for the summary's cost estimate (compute seconds ×
/// price, and per record).
///
/// Keys: `SLUICE_PRICE_CPU_SECOND` (USD per CPU-second, default 0.0000134, about
/// $0.048 an hour) and `SLUICE_PRICE_GPU_SECOND` (USD per GPU-second, default
/// 0.000694, about $2.50 an hour).
struct PriceTable: Sendable, Hashable {
    var cpuSecond: Double
    var gpuSecond: Double

    static let defaultCPUSecond = 0.0000134
    static let defaultGPUSecond = 0.000694

    init(cpuSecond: Double = defaultCPUSecond, gpuSecond: Double = defaultGPUSecond) {
        self.cpuSecond = cpuSecond
        self.gpuSecond = gpuSecond
    }

    /// Reads the keys listed on the type; a value that is not a non-negative number is an error naming its key.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.init(cpuSecond: Self.defaultCPUSecond, gpuSecond: Self.defaultGPUSecond)
        for (key, path) in [("SLUICE_PRICE_CPU_SECOND", \PriceTable.cpuSecond), ("SLUICE_PRICE_GPU_SECOND", \PriceTable.gpuSecond)] {
            guard let text = environment[key] else { continue }
            guard let value = Double(text), value >= 0, value.isFinite else {
                throw ConfigurationError(key: key, value: text, expected: "a price in USD per second (a number, 0 or more)")
            }
            self[keyPath: path] = value
        }
    }

    /// The prices as the summary states them.
    var stated: JobSummary.Prices { .init(cpuSecond: cpuSecond, gpuSecond: gpuSecond) }

    /// The price of a second on `device` (`cuda…` is a GPU; anything else a CPU).
    func perSecond(on device: String?) -> Double {
        device?.hasPrefix("cuda") == true ? gpuSecond : cpuSecond
    }
}
