import ArgumentParser

/// "Did you mean …?" for a command line whose command word is not one of `sluice`'s:
/// ArgumentParser would take the word as an unexpected argument and say only that.
enum CommandSuggestion {
    /// The line to print when `arguments` name a command that does not exist, walking
    /// down from `root` through command groups (`sluice keys craete`); nil when they do.
    static func unknownCommand(in arguments: [String], root: any ParsableCommand.Type) -> String? {
        var configuration = root.configuration
        var path = [root._commandName]
        for word in arguments {
            guard !configuration.subcommands.isEmpty, configuration.defaultSubcommand == nil, !word.hasPrefix("-"), word != "help" else {
                return nil
            }
            var names: [String] = []
            var next: CommandConfiguration?
            for subcommand in configuration.subcommands {
                let name: String = subcommand._commandName
                let subconfiguration: CommandConfiguration = subcommand.configuration
                names.append(name)
                if name == word || subconfiguration.aliases.contains(word) { next = subconfiguration }
            }
            guard let next else {
                let command = path.joined(separator: " ")
                let guess = closest(to: word, among: names).map { " Did you mean '\(command) \($0)'?" } ?? ""
                return "'\(word)' is not a command of '\(command)'.\(guess) (`\(command) --help` lists them)"
            }
            configuration = next
            path.append(word)
        }
        return nil
    }

    /// The name nearest to `word`, when it is near enough to be a slip: a prefix of it, or
    /// at most one edit in three letters away (a swap of two neighbours is one edit).
    static func closest(to word: String, among names: [String]) -> String? {
        let word = word.lowercased()
        if let extended = names.first(where: { $0.hasPrefix(word) && word.count >= 2 }) { return extended }
        let scored = names.map { (name: $0, distance: editDistance(word, $0)) }.min { $0.distance < $1.distance }
        guard let scored, scored.distance <= max(1, scored.name.count / 3) else { return nil }
        return scored.name
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and
    /// transpositions of adjacent letters, each one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
