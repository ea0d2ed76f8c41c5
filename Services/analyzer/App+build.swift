import Logging
import ServiceLifecycle
import SluiceWorker

/// Builds exactly what the analyzer runs (see ``StageWorker``).
func buildServiceGroup(configuration: WorkerConfiguration, prices: PriceTable, logger: Logger) async throws -> ServiceGroup {
    try await StageWorker.serviceGroup(stage: .analyze, configuration: configuration, logger: logger) { store in
        .init(handler: AnalyzerStage(store: store, prices: prices))
    }
}
