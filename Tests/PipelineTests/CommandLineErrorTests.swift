import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SluiceClient
import SluiceCore
import SluiceTestSupport
import Synchronization
import Testing
@testable import SluiceWorker
@testable import sluice

/// What `sluice` says, and the status it exits with, when something is wrong: one or two
/// lines a person can act on, never a Foundation error dump or a crash report.
@Suite struct CommandLineErrorTests {
    /// Runs a command line as `sluice` does; returns its exit status and what it reported.
    static func run(_ arguments: [String]) async -> (status: Int32, lines: [String]) {
        let reported = Mutex<[String]>([])
        let status = await Sluice.execute(arguments) { text in reported.withLock { $0 += text.split(separator: "\n").map(String.init) } }
        return (status, reported.withLock { $0 })
    }

    @Test func aMistypedCommandGetsTheNearestOneSuggested() async {
        let typo = await Self.run(["sumbit", "readings.csv"])
        #expect(typo.status == ProgramExit.usage)
        #expect(typo.lines == ["sluice: 'sumbit' is not a command of 'sluice'. Did you mean 'sluice submit'? (`sluice --help` lists them)"])
        let nested = await Self.run(["keys", "craete", "ci"])
        #expect(nested.status == ProgramExit.usage)
        #expect(nested.lines.first?.contains("Did you mean 'sluice keys create'?") == true, "\(nested.lines)")
        let nothingNear = await Self.run(["frobnicate"])
        #expect(nothingNear.status == ProgramExit.usage)
        #expect(nothingNear.lines.count == 1 && nothingNear.lines[0].contains("'frobnicate' is not a command") && !nothingNear.lines[0].contains("Did you mean"))
        #expect(CommandSuggestion.closest(to: "stauts", among: ["status", "submit"]) == "status")
        #expect(CommandSuggestion.closest(to: "res", among: ["results", "retry"]) == "results")
    }

    @Test func versionAndHelpExitZero() async {
        #expect(await Self.run(["--version"]) == (0, []))
        #expect(await Self.run(["bench", "--help"]) == (0, []))
        let help = Sluice.Bench.helpMessage()
        #expect(help.contains("Print the run's result"))
        #expect(!help.contains("gateway's JSON answer"))
        #expect(Sluice.configuration.version == SluiceVersion.current)
    }

    @Test func aMissingInputFileIsNamedAndExits66() async throws {
        let missing = await Self.run(["submit", "/nonexistent/readings.csv"])
        #expect(missing.status == ProgramExit.noInput)
        #expect(missing.lines == ["sluice: /nonexistent/readings.csv: no such file"])
        let folder = await Self.run(["produce", FileManager.default.temporaryDirectory.path])
        #expect(folder.status == ProgramExit.noInput)
        #expect(folder.lines.count == 1 && folder.lines[0].hasSuffix("is a folder; give a file"), "\(folder.lines)")
    }

    @Test func aGatewayThatDoesNotAnswerIsNamedWithWhatToDo() async {
        let url = "http://127.0.0.1:\(unusedLoopbackPort())"
        let refused = await Self.run(["jobs", "--gateway", url])
        #expect(refused.status == ProgramExit.unavailable)
        #expect(refused.lines.count == 2, "\(refused.lines)")
        #expect(refused.lines.first == "sluice: cannot reach the gateway at \(url): the connection was refused")
        #expect(refused.lines.last?.contains("make run") == true)
        #expect(!refused.lines.joined().contains("NSURLErrorDomain"))
    }

    @Test func aBadSettingIsOneLineAndExits78() async {
        let bad = await Self.run(["jobs", "--gateway", "ftp://gateway.example"])
        #expect(bad.status == ProgramExit.configuration)
        #expect(bad.lines == ["sluice: SLUICE_GATEWAY_URL='ftp://gateway.example' is not an http:// or https:// URL with a host, such as http://127.0.0.1:58080"])
    }

    /// A worker's health port answers HTTP, but not as the gateway: 404 with no body.
    @Test func aWorkerPortIsNotTakenForTheGateway() async throws {
        let port = unusedLoopbackPort()
        let logger = Logger(label: "sluice.test.health") { _ in SwiftLogNoOpLogHandler() }
        let health = WorkerHealth.application(stage: "validate", host: "127.0.0.1", port: port, checks: [], logger: logger)
        let group = ServiceGroup(services: [health], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        try await whileRunning([group]) {
            // A generous limit: on a machine busy with other suites the server may take a while to bind.
            let worker = GatewayClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!)
            let listening = try await eventually(within: .seconds(90)) { (try? await worker.send("GET", "/health").status) == 200 }
            #expect(listening)
            let gateway = ["--gateway", "http://127.0.0.1:\(port)"]
            for command in [["status", UUID().uuidString], ["watch", UUID().uuidString]] {
                let answer = await Self.run(command + gateway)
                #expect(answer.status == ProgramExit.protocolError, "\(command): \(answer.lines)")
                #expect(answer.lines.first?.hasPrefix("sluice: http://127.0.0.1:\(port) is not Sluice's gateway") == true, "\(answer.lines)")
                #expect(answer.lines.count == 2)
            }
        }
    }
}
