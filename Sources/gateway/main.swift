import GatewayService
import ServiceKit

await ServiceMain.run(name: "gateway", defaultPort: 5000) { environment, logger in
    try await GatewayService.start(environment: environment, logger: logger)
}
