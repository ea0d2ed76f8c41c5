import Testing
@testable import SluiceAMQP
@testable import SluiceContracts

@Suite struct ConfigurationTests {
    @Test func parsesAFullURL() throws {
        let configuration = try AMQPConfiguration(url: "amqp://al%40ice:p%3Ass@broker.example:5673/prod%2feu")
        #expect(configuration.endpoints == [AMQPEndpoint(host: "broker.example", port: 5673)])
        #expect(configuration.user == "al@ice")
        #expect(configuration.password == "p:ss")
        #expect(configuration.virtualHost == "prod/eu")
    }

    @Test func fillsInDefaults() throws {
        let configuration = try AMQPConfiguration(url: "amqp://localhost")
        #expect(configuration.endpoints == [AMQPEndpoint(host: "localhost", port: 5672)])
        #expect(configuration.virtualHost == "/")
        #expect(configuration.user == "guest")
    }

    @Test func readsEveryNodeOfACluster() throws {
        let configuration = try AMQPConfiguration(url: "amqp://u:p%2Cw@rabbit1:5673,rabbit2,198.18.0.13:5672/sluice")
        #expect(configuration.endpoints == [
            AMQPEndpoint(host: "rabbit1", port: 5673), AMQPEndpoint(host: "rabbit2"), AMQPEndpoint(host: "198.18.0.13"),
        ])
        #expect(configuration.user == "u" && configuration.password == "p,w" && configuration.virtualHost == "sluice")
        #expect(configuration.description == "amqp://u:***@rabbit1:5673,rabbit2:5672,198.18.0.13:5672/sluice")
        let error = #expect(throws: AMQPError.self) { try AMQPConfiguration(url: "amqp://u:secret@rabbit1,,rabbit3/") }
        #expect(error?.description.contains("names no host") == true)
        #expect(error?.description.contains("secret") == false)
        let environment = #expect(throws: AMQPError.self) {
            try AMQPConfiguration(environment: ["SLUICE_AMQP_URL": "amqp://u:secret@rabbit1:x,rabbit2/"])
        }
        #expect(environment?.description.contains("u:***@rabbit1:x,rabbit2/") == true)
    }

    @Test func refusesOtherSchemesAndNeverPrintsThePassword() throws {
        let error = #expect(throws: AMQPError.self) { try AMQPConfiguration(url: "http://u:secret@host/") }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.description.contains("secret") == false)
        let configuration = try AMQPConfiguration(url: "amqp://u:secret@host/")
        #expect(!configuration.description.contains("secret"))
        #expect(throws: AMQPError.self) { try AMQPConfiguration(environment: ["SLUICE_AMQP_HEARTBEAT": "soon"]) }
    }

    @Test func theTopologyNamesEveryQueueOnceAndRoutesEveryStage() {
        let topology = SluiceTopology(prefix: "p", retryDelays: [.milliseconds(250), .seconds(5), .seconds(120)])
        let amqp = topology.amqp
        let names = amqp.queues.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.contains("p.validate.retry.250ms") && names.contains("p.spark.retry.5s") && names.contains("p.analyze.retry.2m"))
        for stage in Stage.allCases {
            let queue = amqp.queues.first { $0.name == topology.queue(stage) }
            #expect(queue?.arguments["x-queue-type"] == "quorum")
            #expect(queue?.arguments["x-delivery-limit"] == .int(5))
            #expect(queue?.arguments["x-dead-letter-exchange"] == .string(topology.deadLetterExchange))
            #expect(amqp.bindings.contains(.init(queue: topology.queue(stage), exchange: topology.workExchange, routingKey: stage.rawValue)))
            let retry = amqp.queues.first { $0.name == topology.retryQueue(stage, tier: 0) }
            #expect(retry?.arguments["x-message-ttl"] == .int(250))
            #expect(retry?.arguments["x-dead-letter-routing-key"] == .string(stage.rawValue))
        }
        #expect(amqp.bindings.contains(.init(queue: "p.validate", exchange: "p.submit")))
    }
}
