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
            guard let text = Self.priceText(response.body), let price = Price(parsing: text), price.minorUnits > 0
            else { return .failure(.unavailable) }
            return .success(price)
        case 404:
            return .failure(.unknownSymbol)
        default:
            return .failure(.unavailable)
        }
    }

    /// The quote's `price` member: read without JSONDecoder when the body is plain
    /// (``PlainJSONObject``, as the stock service writes it), by JSONDecoder otherwise.
    static func priceText(_ body: [UInt8]) -> String? {
        if let object = PlainJSONObject(body), case .string(let price)? = object["price"] { return price }
        struct Body: Decodable { let price: String }
        return try? JSONDecoder().decode(Body.self, from: Data(body)).price
    }
}
