extension JSONScanner {
    /// Reads one element of a batch: an object becomes a candidate with its fields as
    /// found; any other value becomes a candidate that is not an object.
    mutating func readCandidate() throws(SubmissionError) -> CandidateRecord {
        let byte = skipWhitespace()
        let location = self.location
        guard byte == ASCII.openBrace else {
            return CandidateRecord(nonObject: try readValue(), location: location)
        }
        var candidate = CandidateRecord(location: location)
        for member in try readMembers() {
            guard let field = RecordField(rawValue: member.key) else {
                candidate.unknownFields.append(member.key)
                continue
            }
            // The first occurrence is kept; later ones only mark the field as repeated.
            switch field {
            case .id where candidate.id == nil: candidate.id = member.value
            case .value where candidate.value == nil: candidate.value = member.value
            case .category where candidate.category == nil: candidate.category = member.value
            default: if !candidate.repeatedFields.contains(field) { candidate.repeatedFields.append(field) }
            }
        }
        return candidate
    }
}
