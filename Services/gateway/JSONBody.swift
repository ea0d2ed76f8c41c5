import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The gateway's JSON, as its request context's response encoder
/// (``GatewayRequestContext/responseEncoder``): a route returns a `ResponseEncodable`
/// answer, or an `EditedResponse` of one for another status or headers. Snake_case keys
/// come from each type's `CodingKeys`; dates are ISO 8601 in UTC with milliseconds
/// (`2026-11-22T09:30:00.123Z`); job ids are lower-case. Stored JSON (a summary, a
/// config) is spliced in as it is, not decoded and encoded again (``response(_:adding:)``,
/// ``response(rawJSON:)``).
struct JSONBody: ResponseEncoder {
    /// The encoder every answer is written with.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return encoder
    }

    private let encoder = JSONBody.encoder()

    func encode(_ value: some Encodable, from request: Request, context: some RequestContext) throws -> Response {
        Self.response(bytes: try encoder.encode(value))
    }

    /// `value` encoded, with stored JSON texts added as further members: `{…, "key": <raw>}`.
    static func response(_ value: some Encodable, adding raw: KeyValuePairs<String, String>) throws -> Response {
        let encoder = encoder()
        var object = try encoder.encode(value)
        guard object.last == UInt8(ascii: "}") else { return response(bytes: object) }
        object.removeLast()
        for (key, json) in raw {
            if object.count > 1 { object.append(UInt8(ascii: ",")) }
            object.append(contentsOf: try encoder.encode(key))
            object.append(UInt8(ascii: ":"))
            object.append(contentsOf: json.utf8)
        }
        object.append(UInt8(ascii: "}"))
        return response(bytes: object)
    }

    /// Stored JSON text as the whole response.
    static func response(rawJSON text: String) -> Response {
        response(bytes: Data(text.utf8))
    }

    private static func response(bytes: Data) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
