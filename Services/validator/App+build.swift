import Logging
import ServiceLifecycle
import SluiceWorker

/// Builds exactly what the validator runs (see ``StageWorker``), including the intake
/// for jobs that scripts publish onto the submit exchange.
func buildServiceGroup(configuration: WorkerConfiguration, logger: Logger) async throws -> ServiceGroup {
    try await StageWorker.serviceGroup(stage: .validate, configuration: configuration, logger: logger) { store in
        .init(handler: ValidatorStage(), intake: SubmissionIntake(store: store, artifacts: configuration.artifacts))
    }
}
