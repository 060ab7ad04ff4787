import TradeService
import ServiceKit

await ServiceMain.run(name: "trade", defaultPort: 5003) { environment, logger in
    try await TradeService.start(environment: environment, logger: logger)
}
