import Foundation

/// Names the calling OS thread (as `top -H`, gdb and `Thread.name` show it). Set
/// from inside the thread: Foundation applies a name to the OS thread only then,
/// and a new Linux thread otherwise inherits its creator's name.
public func nameCurrentThread(_ name: String) {
    Thread.current.name = name
}
