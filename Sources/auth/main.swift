import AuthService
import ServiceKit

await ServiceMain.run(name: "auth", defaultPort: 5001) { environment, logger in
    try await AuthService.start(environment: environment, logger: logger)
}
