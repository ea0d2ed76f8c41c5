/// The body formats a submission can come in.
public enum SubmissionFormat: String, Sendable, Hashable {
    /// `application/json`: `{"data": [...]}` or `{"input_uri": "..."}`, with an optional
    /// `processing_config`.
    case json
    /// `application/x-ndjson` (or `application/ndjson`): one record object per line.
    case ndjson
    /// `text/csv`: the header `id,value,category`, then one record per row.
    case csv

    /// The media type the format is sent and served as, UTF-8.
    public var mediaType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .ndjson: "application/x-ndjson; charset=utf-8"
        case .csv: "text/csv; charset=utf-8"
        }
    }

    /// The format a `Content-Type` header names. Media types are matched without regard
    /// to case; a `charset` parameter must be UTF-8; other parameters are ignored.
    ///
    /// Throws `unsupported_content_type` for any other media type or charset.
    public init(contentType: String) throws(SubmissionError) {
        let parts = contentType.split(separator: ";", omittingEmptySubsequences: false)
        let mediaType = parts[0].trimmingASCIISpaces().lowercased()
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingASCIISpaces().lowercased() == "charset" else { continue }
            let charset = pair[1].trimmingASCIISpaces().filter { $0 != "\"" }.lowercased()
            guard charset == "utf-8" || charset == "utf8" else {
                throw SubmissionError(
                    code: .unsupportedContentType,
                    message: "charset \(charset.abbreviated) is not supported; send UTF-8"
                )
            }
        }
        switch mediaType {
        case "application/json": self = .json
        case "application/x-ndjson", "application/ndjson": self = .ndjson
        case "text/csv": self = .csv
        default:
            throw SubmissionError(
                code: .unsupportedContentType,
                message: "content type \"\(mediaType.abbreviated)\" is not supported; send application/json, application/x-ndjson or text/csv"
            )
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    fileprivate func trimmingASCIISpaces() -> Substring {
        let isSpace = { (character: Character) in character == " " || character == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
