import Foundation
import Hummingbird
import SluiceContracts
import SluiceCore

/// A request's query parameters, read one by one; each reader removes what it read
/// and refuses a malformed value with a 400 naming the parameter.
struct QueryParameters {
    private var values: [String: String] = [:]

    /// Reads the (already percent-decoded) parameters of `request`; of a repeated name, the last one counts.
    init(_ request: Request) {
        for (key, value) in request.uri.queryParameters {
            values[String(key)] = String(value)
        }
    }

    /// The parameters not read yet.
    func remaining() -> [String: String] { values }

    /// Fails with a 400 if any parameter has not been read (an unknown name).
    func expectNoneLeft(known: String) throws {
        if let name = values.keys.sorted().first {
            throw GatewayError.invalidParameter(name, "unknown parameter; the parameters are \(known)")
        }
    }

    mutating func seconds(_ name: String, in range: ClosedRange<Duration>) throws -> Duration? {
        guard let text = values.removeValue(forKey: name) else { return nil }
        // Compared as numbers before a Duration is made: Duration traps on a value
        // such as 1e307, which would let one request stop the gateway.
        guard let seconds = Double(text), (range.lowerBound.seconds...range.upperBound.seconds).contains(seconds) else {
            throw GatewayError.invalidParameter(name, "must be a number of seconds from \(range.lowerBound.components.seconds) to \(range.upperBound.components.seconds); found \"\(text)\"")
        }
        return .seconds(seconds)
    }

    mutating func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = values.removeValue(forKey: name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw GatewayError.invalidParameter(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound); found \"\(text)\"")
        }
        return value
    }

    /// An ISO 8601 time, the whole value: the parser alone would take the date at the
    /// start of `2099-01-01T00:00:00Z' OR 1=1--` and ignore the rest.
    mutating func timestamp(_ name: String) throws -> Date? {
        guard let text = values.removeValue(forKey: name) else { return nil }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        // `YYYY-MM-DDThh:mm:ss`, a fraction of a second if any, then `Z` or an offset.
        guard text.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})/#) != nil,
              let date = (try? withFraction.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
        else {
            throw GatewayError.invalidParameter(name, "must be an ISO 8601 time such as 2026-11-22T09:30:00Z; found \"\(text)\"")
        }
        return date
    }

    mutating func uuid(_ name: String) throws -> UUID? {
        guard let text = values.removeValue(forKey: name) else { return nil }
        guard let id = UUID(uuidString: text) else { throw GatewayError.invalidParameter(name, "must be a job id; found \"\(text)\"") }
        return id
    }

    /// A comma-separated list of job statuses; an empty one (`status=`, `a,,b`) is refused,
    /// not read as "any status".
    mutating func statuses(_ name: String) throws -> [JobStatus] {
        guard let text = values.removeValue(forKey: name) else { return [] }
        return try text.split(separator: ",", omittingEmptySubsequences: false).map { word in
            guard let status = JobStatus(rawValue: String(word)) else {
                let known = JobStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw GatewayError.invalidParameter(name, "\"\(word)\" is not a status; the statuses are \(known)")
            }
            return status
        }
    }
}
