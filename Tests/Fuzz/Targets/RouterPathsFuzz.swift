// libFuzzer target: the router's path matching, through its public API (RouterBuilder, and
// Router.respond as the tests call it), over targets the request parser admits (`/` then bytes
// 0x21-0x7E).
// Input: a mode byte (bits 0-2: the method; bit 3: build the target from parameter values), then
// the target's bytes, or (bit 3) parameter values separated by 0x00 and a query after 0x01.
// Properties:
//  - every request gets what the route table says, read plainly: the first route (in table
//    order) whose segments fit the path (empty segments kept, `{name}` binding the percent-decoded
//    segment, `**` any rest) and whose method fits (`*`, and GET for HEAD) answers with its
//    parameters; if only other methods fit, 405 with `Allow` listing them in table order; else 404;
//  - a target built from a parameterized route and any values (each byte not unreserved
//    percent-encoded, RFC 3986 §2.3) and any query reaches that route with exactly those values;
//  - routing holds under 32 x the input plus 32 KiB.
import Dispatch
import Foundation
import HTTP
import Routing

let routeTable: [(method: String, pattern: String)] = [
    ("GET", "/health"), ("GET", "/stocks"), ("GET", "/stocks/{symbol}"), ("GET", "/stocks/{symbol}/history"),
    ("POST", "/trade/buy"), ("DELETE", "/trade/buy"), ("GET", "/users/{id}/orders/{order}"), ("*", "/proxy/**"),
    ("POST", "/auth/login"), ("*", "/auth/**"), ("PUT", "/{any}"),
]
let fuzzMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"]

/// Each route answers with its index and parameters (JSON) in `X-Route`: a header, so HEAD keeps it.
let fuzzRouter: Router = {
    var builder = RouterBuilder()
    for (index, route) in routeTable.enumerated() {
        builder.on(route.method, route.pattern) { _, context in
            let json = try JSONSerialization.data(withJSONObject: context.parameters, options: .sortedKeys)
            return HTTPResponse(status: 200, headers: ["X-Route": "\(index) " + String(decoding: json, as: UTF8.self)])
        }
    }
    return builder.build()
}()

final class ResponseBox: @unchecked Sendable { var response: HTTPResponse? }

func route(_ method: String, _ target: String) -> HTTPResponse {
    let box = ResponseBox()
    let done = DispatchSemaphore(value: 0)
    let request = HTTPRequest(method: method, target: target)
    // Started on this thread: when nothing in the router suspends, the response is there on
    // return and no thread is woken (a hop to the pool costs tens of ms on a loaded machine).
    Task.immediate {
        box.response = await fuzzRouter.respond(request)
        done.signal()
    }
    done.wait()
    return box.response!
}

struct Routed: Equatable {
    var status: Int
    var route: Int? = nil
    var parameters: [String: String] = [:]
    var allow: String? = nil
}

func routed(_ response: HTTPResponse) -> Routed {
    var result = Routed(status: response.status, allow: response.headers["Allow"])
    if let header = response.headers["X-Route"], let space = header.firstIndex(of: " ") {
        result.route = Int(header[..<space])
        result.parameters = (try? JSONSerialization.jsonObject(with: Data(header[header.index(after: space)...].utf8))
            as? [String: String]) ?? ["?": header]
    }
    return result
}

/// The route table read plainly, over the path's segments.
func expectedRoute(_ method: String, _ target: String) -> Routed {
    let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
    var parts = path.split(separator: "/", omittingEmptySubsequences: false).map { Array($0.utf8) }
    if parts.first?.isEmpty == true { parts.removeFirst() }
    var allow: [String] = []
    for (index, route) in routeTable.enumerated() {
        let segments = route.pattern.split(separator: "/").map(String.init)
        let rest = segments.last == "**"
        let fixed = rest ? segments.dropLast() : segments[...]
        guard rest ? parts.count >= fixed.count : parts.count == fixed.count else { continue }
        var parameters: [String: String] = [:]
        var fits = true
        for (segment, part) in zip(fixed, parts) {
            if segment.hasPrefix("{") {
                guard let value = PercentDecoding.decode(String(decoding: part, as: UTF8.self)) else { fits = false; break }
                parameters[String(segment.dropFirst().dropLast())] = value
            } else if Array(segment.utf8) != part {
                fits = false
                break
            }
        }
        guard fits else { continue }
        if route.method == method || route.method == "*" || (method == "HEAD" && route.method == "GET") {
            return Routed(status: 200, route: index, parameters: parameters)
        }
        allow.append(route.method)
        if route.method == "GET" { allow.append("HEAD") }
    }
    return allow.isEmpty ? Routed(status: 404) : Routed(status: 405, allow: allow.joined(separator: ", "))
}

func percentEncoded(_ value: [UInt8]) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for byte in value {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.append(byte)
        default:
            out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func routerPathsFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = route("GET", "/health")  // the concurrency runtime's threads exist before any watch
    var input = FuzzInput(data, size)
    let mode = input.byte()
    let method = fuzzMethods[Int(mode & 7)]
    let rest = input.rest

    if mode & 8 == 0 {
        var target = rest.filter { $0 > 0x20 && $0 < 0x7F }
        if target.first != UInt8(ascii: "/") { target.insert(UInt8(ascii: "/"), at: 0) }
        let text = String(decoding: target, as: UTF8.self)
        var watch = AllocationWatch()
        let response = route(method, text)
        watch.sample()
        watch.check(inputCount: size, factor: 32, constant: 32 * 1024, "Router")
        let got = routed(response)
        let expected = expectedRoute(method, text)
        fuzzCheck(got == expected, "\(method) \(text): router gave \(got), the table says \(expected)")
        return 0
    }

    let (query, values): ([UInt8]?, [[UInt8]]) = {
        guard let mark = rest.firstIndex(of: 1) else { return (nil, rest.split(separator: 0, omittingEmptySubsequences: false).map(Array.init)) }
        return (Array(rest[(mark + 1)...]).filter { $0 > 0x20 && $0 < 0x7F },
                rest[..<mark].split(separator: 0, omittingEmptySubsequences: false).map(Array.init))
    }()
    let choices: [(index: Int, path: ([String]) -> String, names: [String])] = [
        (2, { "/stocks/\($0[0])" }, ["symbol"]),
        (3, { "/stocks/\($0[0])/history" }, ["symbol"]),
        (6, { "/users/\($0[0])/orders/\($0[1])" }, ["id", "order"]),
    ]
    let choice = choices[Int(mode >> 4) % choices.count]
    let texts = choice.names.indices.map { $0 < values.count ? values[$0] : [] }
    // Values are text: bytes that are not UTF-8 would not come back as they went (the router
    // answers 404 for them, which the first property covers).
    guard texts.allSatisfy({ String(validating: $0, as: UTF8.self) != nil }) else { return 0 }
    var target = choice.path(texts.map(percentEncoded))
    if let query { target += "?" + String(decoding: query, as: UTF8.self) }
    let got = routed(route(routeTable[choice.index].method, target))
    var parameters: [String: String] = [:]
    for (name, value) in zip(choice.names, texts) { parameters[name] = String(decoding: value, as: UTF8.self) }
    fuzzCheck(got == Routed(status: 200, route: choice.index, parameters: parameters),
              "\(target) for \(parameters) gave \(got)")
    return 0
}
