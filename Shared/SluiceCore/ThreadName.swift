import Foundation

/// Names the calling OS thread (as `top -H`, perf, gdb and `Thread.name` show it). Set
/// from inside the thread: Foundation applies a name to the OS thread only then,
/// and a new Linux thread otherwise inherits its creator's name.
///
/// Linux keeps 15 bytes of a name and refuses a longer one outright, which would leave
/// the creator's name in place: the name is cut to ``maxThreadNameBytes`` first.
public func nameCurrentThread(_ name: String) {
    var kept = Substring(name)
    while kept.utf8.count > maxThreadNameBytes { kept.removeLast() }
    Thread.current.name = String(kept)
}

/// The longest thread name Linux keeps, in bytes.
public let maxThreadNameBytes = 15
