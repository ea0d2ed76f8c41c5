import Logging
import ServiceLifecycle
import SluiceCore
import SluiceWorker

/// Builds exactly what the normalizer runs (see ``StageWorker``), with one compute
/// thread per message in flight so a job never waits behind another for a thread.
func buildServiceGroup(configuration: WorkerConfiguration, logger: Logger) async throws -> ServiceGroup {
    let threads = BlockingThreadPool(count: Int(configuration.prefetch), name: "sluice-norm")
    return try await StageWorker.serviceGroup(stage: .normalize, configuration: configuration, logger: logger) { _ in
        .init(handler: NormalizerStage(threads: threads), services: [threads])
    }
}
