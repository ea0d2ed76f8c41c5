import CLibPQ

extension PostgresConnection {
    /// Bulk-inserts `rows` with `COPY … FROM STDIN` in text format, far faster than
    /// row-by-row INSERTs. Each row holds one value per column, in `columns` order;
    /// a `nil` optional is NULL.
    ///
    /// ```swift
    /// try conn.copy(into: "samples", columns: ["id", "label"], rows: [[1, "a"], [2, nil as String?]])
    /// ```
    ///
    /// COPY has no `ON CONFLICT`: to skip duplicates, copy into a temporary table and
    /// `INSERT … SELECT … ON CONFLICT DO NOTHING` in the same transaction.
    ///
    /// - Parameters:
    ///   - table: the table name, quoted as an identifier.
    ///   - schema: the table's schema; default `nil`, found through `search_path`.
    ///   - columns: the columns the row values fill, quoted as identifiers.
    ///   - rows: the rows; streamed to the server in 64 KiB chunks.
    /// - Returns: the number of rows copied.
    /// - Throws: ``PostgresError``: the server's error (which rolls back the whole COPY),
    ///   or ``PostgresError/Code/encodingFailed`` / ``PostgresError/Code/misuse`` for a
    ///   field holding NUL or a row of the wrong width, after which nothing is copied.
    @discardableResult
    public func copy<Rows: Sequence>(
        into table: String,
        schema: String? = nil,
        columns: [String],
        rows: Rows
    ) throws -> Int where Rows.Element == [any PostgresEncodable] {
        let target = try (schema.map { try quotedIdentifier($0) + "." } ?? "") + quotedIdentifier(table)
        let columnList = try columns.map(quotedIdentifier).joined(separator: ", ")
        let context = "COPY \(target)"
        try startCopy("COPY \(target) (\(columnList)) FROM STDIN (FORMAT text)", context: context)
        do {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(Self.copyChunkSize + 4096)
            for (index, row) in rows.enumerated() {
                guard row.count == columns.count else {
                    throw PostgresError(
                        code: .misuse,
                        message: "COPY row \(index) has \(row.count) values for \(columns.count) columns",
                        context: context
                    )
                }
                try CopyText.appendRow(row.map { $0.postgresText }, row: index, columns: columns, to: &buffer)
                if buffer.count >= Self.copyChunkSize {
                    try sendCopyData(buffer, context: context)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try sendCopyData(buffer, context: context)
        } catch {
            // Ending the COPY with an error message makes the server discard the rows
            // and leaves the session usable.
            PQputCopyEnd(handle, "aborted by the client")
            _ = try? finishCopy(context: context)
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else {
            throw PostgresError(code: .connectionLost, message: errorMessage, context: context)
        }
        return try finishCopy(context: context)
    }

    private static let copyChunkSize = 64 * 1024

    private func startCopy(_ sql: String, context: String) throws {
        guard let result = PQexec(handle, sql) else {
            throw PostgresError(code: isBroken ? .connectionLost : .unexpectedResponse, message: errorMessage, context: context)
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COPY_IN else {
            throw serverError(result, context: context)
        }
    }

    private func sendCopyData(_ bytes: [UInt8], context: String) throws {
        guard !bytes.isEmpty else { return }
        let sent = bytes.withUnsafeBytes { buffer in
            PQputCopyData(handle, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(buffer.count))
        }
        guard sent == 1 else {
            throw PostgresError(code: .connectionLost, message: errorMessage, context: context)
        }
    }

    /// The COPY's outcome arrives only now, as the first of the remaining results;
    /// the rest are drained so the session is idle again.
    private func finishCopy(context: String) throws -> Int {
        var outcome: Result<Int, Error>?
        while let result = PQgetResult(handle) {
            let current = Result { try consume(result, context: context, Self.affectedRows) }
            if outcome == nil { outcome = current }
        }
        guard let outcome else {
            throw PostgresError(code: isBroken ? .connectionLost : .unexpectedResponse, message: errorMessage, context: context)
        }
        return try outcome.get()
    }
}
