import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON response bodies: snake_case keys come from each type's `CodingKeys`; dates are
/// ISO 8601 in UTC with milliseconds (`2026-11-22T09:30:00.123Z`); job ids are lower-case; stored JSON (a summary, a config) is spliced in
/// as it is, not decoded and encoded again.
enum JSONBody {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return encoder
    }

    /// `value` as a JSON response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        response(bytes: try encoder().encode(value), status: status, headers: headers)
    }

    /// `value` encoded, with stored JSON texts added as further members: `{…, "key": <raw>}`.
    static func response(
        _ value: some Encodable, adding raw: KeyValuePairs<String, String>, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) throws -> Response {
        var object = try encoder().encode(value)
        guard object.last == UInt8(ascii: "}") else { return response(bytes: object, status: status, headers: headers) }
        object.removeLast()
        for (key, json) in raw {
            if object.count > 1 { object.append(UInt8(ascii: ",")) }
            object.append(contentsOf: try encoder().encode(key))
            object.append(UInt8(ascii: ":"))
            object.append(contentsOf: json.utf8)
        }
        object.append(UInt8(ascii: "}"))
        return response(bytes: object, status: status, headers: headers)
    }

    /// Stored JSON text as the whole response.
    static func response(rawJSON text: String, status: HTTPResponse.Status = .ok) -> Response {
        response(bytes: Data(text.utf8), status: status, headers: [:])
    }

    private static func response(bytes: Data, status: HTTPResponse.Status, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
