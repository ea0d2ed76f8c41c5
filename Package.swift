// swift-tools-version:6.1
import PackageDescription

/// What every stage service (validator, gpu-normalizer, spark-runner, analyzer) builds on.
let stageServiceDependencies: [Target.Dependency] = [
    "SluiceWorker", "SluiceJobs", "SluiceContracts", "SluiceRecords", "SluiceAMQP", "SluicePostgres", "SluiceCore", "SluiceObservability",
    .product(name: "Logging", package: "swift-log"),
    .product(name: "Prometheus", package: "swift-prometheus"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
]

/// Sluice: a queue-driven data-processing pipeline. Five services over RabbitMQ
/// (rabbitmq-c) and PostgreSQL (libpq); see README.md.
let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        .executable(name: "gateway", targets: ["gateway"]),
        .executable(name: "validator", targets: ["validator"]),
        .executable(name: "gpu-normalizer", targets: ["gpu-normalizer"]),
        .executable(name: "spark-runner", targets: ["spark-runner"]),
        .executable(name: "analyzer", targets: ["analyzer"]),
        .library(name: "SluiceAMQP", targets: ["SluiceAMQP"]),
        .library(name: "SluicePostgres", targets: ["SluicePostgres"]),
        .library(name: "SluiceContracts", targets: ["SluiceContracts"]),
        .library(name: "SluiceClient", targets: ["SluiceClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Without the swift-configuration trait: Sluice reads its settings from the environment.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The gateway tells HTTP framing errors (NIOHTTP1's HTTPParserError) from its own.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // SHA-256 (migration checksums, API key digests).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // C libraries, found through pkg-config; apt names the package that provides them.
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Shared/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            path: "Shared/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        // What Swift cannot call: the variadic amqp_login_with_properties.
        .target(name: "CAMQPShim", dependencies: ["CRabbitMQ"], path: "Shared/CAMQPShim"),
        // CUDA's driver API and NVRTC through dlopen: nothing of CUDA at build time.
        // loader.c embeds kernels/normalize.cu (#embed).
        .target(
            name: "CCUDA",
            path: "Shared/CCUDA",
            exclude: ["kernels"],
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // The normalizer's arithmetic (CPU and CUDA), shared by the service and its benchmark.
        .target(name: "SluiceNormalize", dependencies: ["CCUDA", "SluiceRecords"], path: "Shared/SluiceNormalize"),

        .target(
            name: "SluiceCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/SluiceCore"
        ),
        .target(
            name: "SluiceAMQP",
            dependencies: [
                "CRabbitMQ", "CAMQPShim", "SluiceCore", "SluiceContracts",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/SluiceAMQP"
        ),
        .target(
            name: "SluicePostgres",
            dependencies: [
                "CLibPQ", "SluiceCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/SluicePostgres"
        ),
        .target(name: "SluiceRecords", dependencies: ["SluiceColumns"], path: "Shared/SluiceRecords"),
        .target(name: "SluiceColumns", path: "Shared/SluiceColumns"),
        .target(
            name: "SluiceObservability",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                "SluiceCore",
            ],
            path: "Shared/SluiceObservability"
        ),
        .target(name: "SluiceClient", dependencies: ["SluiceRecords", "SluiceCore"], path: "Shared/SluiceClient"),
        .target(
            name: "SluiceJobs",
            dependencies: ["SluiceContracts", "SluicePostgres", "SluiceAMQP", "SluiceRecords", "SluiceColumns", "SluiceCore"],
            path: "Shared/SluiceJobs"
        ),
        .target(
            name: "SluiceWorker",
            dependencies: [
                "SluiceAMQP", "SluicePostgres", "SluiceContracts", "SluiceJobs", "SluiceCore", "SluiceObservability",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/SluiceWorker"
        ),
        // Every shape that crosses a process boundary, defined once; depends on nothing.
        .target(name: "SluiceContracts", path: "Shared/SluiceContracts"),

        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceClient", "SluiceJobs", "SluiceAMQP", "SluicePostgres", "SluiceContracts", "SluiceCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/sluice"
        ),
        .executableTarget(
            name: "gateway",
            dependencies: [
                "SluiceJobs", "SluiceContracts", "SluiceRecords", "SluiceAMQP", "SluicePostgres", "SluiceCore", "SluiceObservability",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/gateway",
            // The dashboard's page, script and style sheet, and the API's OpenAPI document,
            // served as they are (read through Bundle.module at start).
            resources: [.copy("Dashboard"), .copy("openapi.yaml")]
        ),
        .executableTarget(name: "gpu-normalizer", dependencies: stageServiceDependencies + ["SluiceNormalize", "SluiceColumns"], path: "Services/gpu-normalizer"),
        .executableTarget(name: "spark-runner", dependencies: stageServiceDependencies + ["SluiceColumns"], path: "Services/spark-runner", exclude: ["driver"]),
        .executableTarget(name: "analyzer", dependencies: stageServiceDependencies, path: "Services/analyzer"),
        .executableTarget(name: "validator", dependencies: stageServiceDependencies + ["SluiceColumns"], path: "Services/validator"),
        .executableTarget(
            name: "sluice-amqp-bench",
            dependencies: [
                "SluiceAMQP", "SluiceCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Benchmarks/AMQPBenchmark"
        ),
        .executableTarget(
            name: "sluice-normalize-bench",
            dependencies: ["SluiceNormalize", "SluiceColumns", "SluiceContracts", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/Benchmarks/NormalizeBenchmark"
        ),

        .target(
            name: "SluiceTestSupport",
            dependencies: [
                "SluiceCore", "SluicePostgres", "SluiceAMQP", "SluiceContracts",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/SluiceTestSupport"
        ),
        .testTarget(name: "SluiceCoreTests", dependencies: ["SluiceCore"], path: "Tests/SluiceCoreTests"),
        .testTarget(
            name: "SluiceWorkerTests",
            dependencies: [
                "SluiceWorker", "SluiceJobs", "SluiceContracts", "SluiceAMQP", "SluicePostgres", "SluiceTestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Tests/SluiceWorkerTests"
        ),
        .testTarget(
            name: "NormalizerTests",
            dependencies: ["gpu-normalizer", "SluiceNormalize", "SluiceColumns", "SluiceRecords", "SluiceWorker", "SluiceJobs", "SluiceContracts", "SluicePostgres", "SluiceCore", "SluiceTestSupport"],
            path: "Tests/NormalizerTests"
        ),
        .testTarget(
            name: "SparkRunnerTests",
            dependencies: ["SluiceColumns", "spark-runner", "SluiceWorker", "SluiceJobs", "SluiceContracts", "SluicePostgres", "SluiceTestSupport"],
            path: "Tests/SparkRunnerTests"
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: [
                "gateway", "validator", "gpu-normalizer", "spark-runner", "analyzer", "sluice", "SluiceClient", "SluiceColumns",
                "SluiceWorker", "SluiceJobs", "SluiceContracts", "SluiceRecords", "SluicePostgres", "SluiceAMQP", "SluiceCore",
                "SluiceTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/PipelineTests"
        ),
        .testTarget(
            name: "ValidatorTests",
            dependencies: ["validator", "SluiceColumns", "SluiceWorker", "SluiceJobs", "SluiceContracts", "SluiceRecords", "SluicePostgres", "SluiceAMQP", "SluiceCore", "SluiceTestSupport"],
            path: "Tests/ValidatorTests"
        ),
        .testTarget(name: "SluiceColumnsTests", dependencies: ["SluiceColumns"], path: "Tests/SluiceColumnsTests"),
        .testTarget(name: "SluiceRecordsTests", dependencies: ["SluiceRecords", "SluiceColumns", "SluiceTestSupport"], path: "Tests/SluiceRecordsTests"),
        .testTarget(name: "SluiceClientTests", dependencies: ["SluiceClient", "SluiceCore"], path: "Tests/SluiceClientTests"),
        .testTarget(
            name: "SluiceObservabilityTests",
            dependencies: [
                "SluiceObservability", "SluiceCore",
                .product(name: "Logging", package: "swift-log"), .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Tests/SluiceObservabilityTests"
        ),
        .testTarget(
            name: "SluiceAMQPTests",
            dependencies: ["SluiceAMQP", "SluiceContracts", "SluiceCore", "SluiceTestSupport"],
            path: "Tests/SluiceAMQPTests"
        ),
        .testTarget(
            name: "SluicePostgresTests",
            dependencies: ["SluicePostgres", "SluiceCore", "SluiceTestSupport"],
            path: "Tests/SluicePostgresTests"
        ),
        .testTarget(name: "ReportTests", dependencies: ["sluice", "SluiceCore"], path: "Tests/ReportTests"),
    ],
    swiftLanguageModes: [.v6]
)
