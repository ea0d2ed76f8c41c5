import Foundation
import SluiceCore
import SluiceTestSupport
import Testing

/// Every executable, started as an operator starts it, with one setting it cannot use:
/// it stops at once with one line naming the setting, its value and what is accepted,
/// and exit status 78 (EX_CONFIG), not Swift's "Error raised at top level" and a backtrace.
@Suite struct BadSettingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let executable: String
        var arguments: [String] = []
        let key: String
        let value: String
        /// What the line says the value should be.
        let accepted: String
        var testDescription: String { "\(executable) with \(key)='\(value)'" }
    }

    static let cases = [
        Case(executable: "gateway", key: "SLUICE_RATE_LIMIT", value: "", accepted: "a number from"),
        Case(executable: "validator", key: "SLUICE_PREFETCH", value: "lots", accepted: "a whole number from 1 to 65535"),
        Case(executable: "gpu-normalizer", key: "SLUICE_LOG_LEVEL", value: "loud", accepted: "one of trace, debug"),
        Case(executable: "spark-runner", key: "SLUICE_SPARK_MODE", value: "lukewarm", accepted: "warm or cold"),
        Case(executable: "analyzer", key: "SLUICE_PRICE_CPU_SECOND", value: "-1", accepted: "a price in USD per second"),
        Case(executable: "analyzer", key: "SLUICE_DATABASE_POOL_SIZE", value: "0", accepted: "a positive integer"),
        Case(executable: "sluice", arguments: ["jobs"], key: "SLUICE_GATEWAY_URL", value: "ftp://gateway", accepted: "an http:// or https:// URL"),
        Case(executable: "sluice", arguments: ["topology"], key: "SLUICE_AMQP_URL", value: "http://broker", accepted: "an amqp:// URL"),
    ]

    @Test(arguments: cases) func stopsWithOneLineAndStatus78(_ bad: Case) async throws {
        let environment = ProcessInfo.processInfo.environment.merging([bad.key: bad.value]) { $1 }
        let failure = await #expect(throws: StackScript.Failed.self) {
            _ = try await withTimeout(.seconds(60), waitingFor: "\(bad.executable) to stop") {
                try await StackScript.output(of: BuiltProducts.path(of: bad.executable), bad.arguments, environment: environment)
            }
        }
        #expect(failure?.status == ProgramExit.configuration, "\(failure?.output ?? "")")
        let lines = (failure?.output ?? "").split(separator: "\n")
        #expect(lines.count == 1, "\(failure?.output ?? "")")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("\(bad.executable): \(bad.key)='\(bad.value)'") || line.hasPrefix("\(bad.executable): \(bad.key):"), "\(line)")
        #expect(line.contains("'\(bad.value)'") && line.contains(bad.accepted), "\(line)")
    }
}
