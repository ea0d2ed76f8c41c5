import Logging
import ServiceLifecycle
import SluiceCore
import SluiceWorker

/// Builds exactly what the normalizer runs (see ``StageWorker``), with one I/O thread
/// per message in flight so a job never waits behind another for a thread, and the
/// GPU (when there is one) on a thread of its own.
func buildServiceGroup(configuration: WorkerConfiguration, normalizer: NormalizerConfiguration = .defaults, logger: Logger) async throws -> ServiceGroup {
    let threads = BlockingThreadPool(count: Int(configuration.prefetch), name: "sluice-norm")
    let devices = await ComputeDevices.start(configuration: normalizer, threads: threads, logger: logger)
    return try await StageWorker.serviceGroup(stage: .normalize, configuration: configuration, logger: logger) { _ in
        .init(handler: NormalizerStage(threads: threads, devices: devices, partRecords: normalizer.partRecords), services: [threads, devices])
    }
}
