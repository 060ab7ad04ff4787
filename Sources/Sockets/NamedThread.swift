#if canImport(Glibc)
import Glibc
#endif
import CSockets

/// A detached thread with a name (what `top -H` and `/proc/PID/task/*/comm` show; 15 bytes at
/// most): the event loops and the HTTP client's resolver threads.
public enum NamedThread {
    private final class Start {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts `body` on a new detached thread named `name`.
    public static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            start.name.withCString { _ = csockets_set_name($0) }
            start.body()
            return nil
        }, box)
        precondition(rc == 0, "pthread_create failed: \(rc)")
        pthread_detach(thread)
    }
}
