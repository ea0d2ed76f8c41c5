import Logging
import ServiceLifecycle
import SluiceCore
import SluiceJobs
import SluiceWorker

/// Builds exactly what the validator runs (see ``StageWorker``), including the intake
/// for jobs that scripts publish onto the submit exchange.
func buildServiceGroup(configuration: WorkerConfiguration, logger: Logger) async throws -> ServiceGroup {
    let files = BlockingThreadPool(count: 1, name: "sluice-intake")
    return try await StageWorker.serviceGroup(stage: .validate, configuration: configuration, logger: logger) { store in
        .init(
            handler: ValidatorStage(limits: configuration.pipeline.limits),
            intake: SubmissionIntake(
                intake: JobIntake(store: store, artifacts: configuration.pipeline.artifacts, files: files),
                limits: configuration.pipeline.limits,
                logger: logger
            ),
            services: [files]
        )
    }
}
