import StockService
import ServiceKit

await ServiceMain.run(name: "stock", defaultPort: 5002) { environment, logger in
    try await StockService.start(environment: environment, logger: logger)
}
