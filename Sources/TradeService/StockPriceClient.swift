import Foundation
import HTTP
import Money
import Routing
import ServiceKit
import Sockets

/// Asks the stock service for current prices over pooled keep-alive connections on our own event
/// loops (no thread hop on the hot path).
final class StockPriceClient: Sendable {
    enum Failure: Error, Equatable {
        case unknownSymbol
        case unavailable
    }

    private let client: HTTPClient

    init(url: ServiceURL, timeoutMs: Int, group: EventLoopGroup) {
        client = HTTPClient(configuration: .init(host: url.host, port: url.port, timeout: .milliseconds(timeoutMs)),
                            group: group)
    }

    /// The current price of an already-normalized symbol.
    func price(_ symbol: String, requestID: String) async -> Result<Price, Failure> {
        let request = ClientRequest(method: "GET", target: "/stocks/\(symbol)", headers: ["X-Request-ID": requestID])
        guard let response = try? await client.send(request) else { return .failure(.unavailable) }
        switch response.status {
        case 200:
            struct Body: Decodable { let price: String }
            guard let body = try? JSONDecoder().decode(Body.self, from: Data(response.body)),
                  let price = Price(parsing: body.price), price.minorUnits > 0
            else { return .failure(.unavailable) }
            return .success(price)
        case 404:
            return .failure(.unknownSymbol)
        default:
            return .failure(.unavailable)
        }
    }
}
