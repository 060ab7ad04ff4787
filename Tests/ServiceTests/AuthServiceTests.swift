import Foundation
import HTTP
import TestSupport
import Testing

/// The auth routes in-process (API.md "Auth"): register, login, me and their errors.
@Suite struct AuthServiceTests {
    typealias F = AuthStockFixtures

    @Test func registerAnswers201WithIdUsernameAndCreatedAt() async throws {
        try await F.withAuth { auth in
            let before = Date().addingTimeInterval(-1)
            let reply = try await auth.client.post("/auth/register", json: F.credentials("Alice_01", "correct horse"))
            let after = Date().addingTimeInterval(1)
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.headers["Content-Type"]?.hasPrefix("application/json") == true)
            #expect(reply.json["id"] is NSNumber)
            #expect((reply.int("id") ?? 0) > 0)
            #expect(reply.string("username") == "Alice_01")
            let createdAt = try #require(reply.string("created_at").flatMap(F.parseRFC3339), "\(reply.text)")
            #expect(createdAt >= before && createdAt <= after)
            #expect(reply.json["password"] == nil && reply.json["password_hash"] == nil)
            #expect(!reply.text.contains("correct horse"))

            let second = try await auth.client.post("/auth/register", json: F.credentials("bob", "correct horse"))
            #expect(second.status == 201)
            #expect(second.int("id") != reply.int("id"))
        }
    }

    /// `(username, expected status, why)`: 3 to 32 characters of `A-Za-z0-9_.-`.
    static let usernameRows: [(String, Int, String)] = [
        ("abc", 201, "3 characters: the minimum"),
        ("ab", 400, "2 characters"),
        (String(repeating: "x", count: 32), 201, "32 characters: the maximum"),
        (String(repeating: "y", count: 33), 400, "33 characters"),
        ("A.b_c-D9", 201, "every allowed class"),
        ("bad name", 400, "a space"),
        ("bad@name", 400, "an @"),
        ("bad/name", 400, "a slash"),
        ("üser", 400, "a non-ASCII letter"),
        ("abc\u{0}", 400, "a NUL byte"),
        ("", 400, "empty"),
    ]

    @Test func usernameMustBe3To32AllowedCharacters() async throws {
        try await F.withAuth { auth in
            for (username, status, why) in Self.usernameRows {
                let reply = try await auth.client.post("/auth/register", json: F.credentials(username, "password1"))
                if status == 201 {
                    #expect(reply.status == 201, "\(why): \(reply.text)")
                    #expect(reply.string("username") == username, "\(why)")
                } else {
                    F.expectProblem(reply, status: 400, type: "/problems/invalid-request", why)
                }
            }
        }
    }

    /// `(password, expected status, why)`: 8 to 128 Unicode code points, whatever their byte length.
    static let passwordRows: [(String, Int, String)] = [
        ("1234567", 400, "7 characters"),
        ("12345678", 201, "8 characters: the minimum"),
        (String(repeating: "p", count: 128), 201, "128 characters: the maximum"),
        (String(repeating: "p", count: 129), 400, "129 characters"),
        ("pässwör", 400, "7 code points in 9 bytes"),
        ("pässwörd", 201, "8 code points in 10 bytes"),
        (String(repeating: "😀", count: 7), 400, "7 emoji are 28 bytes but 7 code points"),
        (String(repeating: "😀", count: 128), 201, "128 emoji: 512 bytes, 128 code points"),
        (String(repeating: "😀", count: 129), 400, "129 emoji"),
        (String(repeating: "e\u{301}", count: 4), 201, "4 accented letters are 8 code points"),
        ("", 400, "empty"),
    ]

    @Test func passwordMustBe8To128CodePoints() async throws {
        try await F.withAuth { auth in
            for (index, (password, status, why)) in Self.passwordRows.enumerated() {
                let username = "pw\(index)"
                let reply = try await auth.client.post("/auth/register", json: F.credentials(username, password))
                if status == 201 {
                    #expect(reply.status == 201, "\(why): \(reply.text)")
                    let login = try await auth.client.post("/auth/login", json: F.credentials(username, password))
                    #expect(login.status == 200, "\(why): the same password logs in: \(login.text)")
                } else {
                    F.expectProblem(reply, status: 400, type: "/problems/invalid-request", why)
                }
            }
        }
    }

    @Test func multiByteAndNormalizationDistinctPasswordsDoNotMatch() async throws {
        try await F.withAuth { auth in
            // "é" precomposed (U+00E9) and decomposed (e + U+0301) are different code points.
            _ = try await F.registerAndLogin(auth.client, "accents", "caf\u{E9}-caf\u{E9}")
            let other = try await auth.client.post("/auth/login", json: F.credentials("accents", "cafe\u{301}-cafe\u{301}"))
            F.expectProblem(other, status: 401, type: "/problems/invalid-credentials", "decomposed form")
        }
    }

    /// `(body, why)`: bodies that are not a JSON object with two strings.
    static let malformedBodies: [(String, String)] = [
        ("", "empty body"),
        ("{", "truncated JSON"),
        ("not json", "not JSON at all"),
        ("[]", "an array"),
        ("\"alice\"", "a string"),
        ("null", "null"),
        (#"{"password":"password1"}"#, "username missing"),
        (#"{"username":"alice"}"#, "password missing"),
        ("{}", "both missing"),
        (#"{"username":123,"password":"password1"}"#, "username a number"),
        (#"{"username":"alice","password":12345678}"#, "password a number"),
        (#"{"username":null,"password":"password1"}"#, "username null"),
        (#"{"username":["alice"],"password":"password1"}"#, "username an array"),
        (#"{"username":"alice","password":true}"#, "password a boolean"),
        (#"{"username":"alice","username":"mallory","password":"password1"}"#, "username twice"),
        (#"{"username":"alice","password":"password1","password":"password2"}"#, "password twice"),
    ]

    @Test func malformedBodiesAre400ProblemJSON() async throws {
        try await F.withAuth { auth in
            for route in ["/auth/register", "/auth/login"] {
                for (body, why) in Self.malformedBodies {
                    let reply = try await auth.client.send("POST", route, json: body)
                    F.expectProblem(reply, status: 400, type: "/problems/invalid-request", "\(route) \(why)")
                }
            }
            // Nothing was created by any of them.
            let login = try await auth.client.post("/auth/login", json: F.credentials("alice", "password1"))
            #expect(login.status == 401)
        }
    }

    /// `MAX_BODY_BYTES` from a running service: over it is 413 (declared length or chunked), and
    /// nothing happens; at it, the request is read and judged on its content.
    @Test func aBodyOverMaxBodyBytesIs413AndChangesNothing() async throws {
        try await F.withAuth(["MAX_BODY_BYTES": "1024"]) { auth in
            let padding = String(repeating: "x", count: 1100)
            let over = #"{"username":"bigbody","password":"password1","pad":"\#(padding)"}"#
            let reply = try await auth.client.send("POST", "/auth/register", json: over)
            F.expectProblem(reply, status: 413, type: "/problems/payload-too-large", "1,100 bytes of padding")
            let login = try await auth.client.post("/auth/login", json: F.credentials("bigbody", "password1"))
            #expect(login.status == 401, "the oversized registration created nothing")
            let atLimit = #"{"username":"bigbody","password":"password1","pad":""#
            let exact = atLimit + String(repeating: "x", count: 1024 - atLimit.utf8.count - 2) + #""}"#
            #expect(exact.utf8.count == 1024)
            #expect(try await auth.client.send("POST", "/auth/register", json: exact).status == 201)
        }
    }

    @Test func duplicateUsernameInAnotherCaseIs409() async throws {
        try await F.withAuth { auth in
            let first = try await auth.client.post("/auth/register", json: F.credentials("Carol", "password1"))
            #expect(first.status == 201)
            for (name, why) in [("Carol", "same case"), ("carol", "lower case"), ("CAROL", "upper case"), ("cArOl", "mixed")] {
                let reply = try await auth.client.post("/auth/register", json: F.credentials(name, "another-password"))
                F.expectProblem(reply, status: 409, type: "/problems/username-taken", why)
            }
            // The original password still works: the duplicate changed nothing.
            let login = try await auth.client.post("/auth/login", json: F.credentials("carol", "password1"))
            #expect(login.status == 200)
        }
    }

    @Test func loginMatchesCaseInsensitivelyAndTheUserKeepsItsCase() async throws {
        try await F.withAuth(["TOKEN_TTL_SECONDS": "900"]) { auth in
            let registered = try await auth.client.post("/auth/register", json: F.credentials("MixedCase", "password1"))
            #expect(registered.status == 201)
            for name in ["MixedCase", "mixedcase", "MIXEDCASE"] {
                let login = try await auth.client.post("/auth/login", json: F.credentials(name, "password1"))
                #expect(login.status == 200, "\(name): \(login.text)")
                #expect(login.headers["Content-Type"]?.hasPrefix("application/json") == true)
                #expect(login.string("token_type") == "Bearer")
                #expect(login.int("expires_in") == 900)
                let token = try #require(login.string("access_token"))
                #expect(token.split(separator: ".").count == 3)
                let me = try await auth.client.get("/auth/me", token: token)
                #expect(me.status == 200)
                #expect(me.string("username") == "MixedCase", "the registered case is kept")
                #expect(me.int("id") == registered.int("id"))
            }
            // The password is case-sensitive.
            let wrongCase = try await auth.client.post("/auth/login", json: F.credentials("MixedCase", "PASSWORD1"))
            #expect(wrongCase.status == 401)
        }
    }

    @Test func wrongPasswordAndUnknownUserAreTheSame401() async throws {
        try await F.withAuth { auth in
            _ = try await F.registerAndLogin(auth.client, "dave", "password1")
            let wrong = try await auth.client.post("/auth/login", json: F.credentials("dave", "password2"))
            let unknown = try await auth.client.post("/auth/login", json: F.credentials("nobody", "password1"))
            F.expectProblem(wrong, status: 401, type: "/problems/invalid-credentials", "wrong password")
            F.expectProblem(unknown, status: 401, type: "/problems/invalid-credentials", "unknown user")
            #expect(wrong.string("type") == unknown.string("type"))
            #expect(wrong.string("title") == unknown.string("title"))
            #expect(wrong.string("detail") == unknown.string("detail"))
            #expect(wrong.json["access_token"] == nil)
        }
    }

    @Test func meWithATokenAnswersTheUser() async throws {
        try await F.withAuth { auth in
            let registered = try await auth.client.post("/auth/register", json: F.credentials("Erin", "password1"))
            let login = try await auth.client.post("/auth/login", json: F.credentials("erin", "password1"))
            let token = try #require(login.string("access_token"))
            let me = try await auth.client.get("/auth/me", token: token)
            #expect(me.status == 200)
            #expect(me.headers["Content-Type"]?.hasPrefix("application/json") == true)
            #expect(me.int("id") == registered.int("id"))
            #expect(me.string("username") == "Erin")
            #expect(me.string("created_at") == registered.string("created_at"))
            #expect(Set(me.json.keys) == ["id", "username", "created_at"])
            // The scheme is case-insensitive (RFC 6750 §2.1 via RFC 9110 §11.1).
            let lower = try await auth.client.get("/auth/me", headers: ["Authorization": "bearer \(token)"])
            #expect(lower.status == 200)
        }
    }

    /// `(Authorization value or nil, why)`.
    static let badAuthorizations: [(String?, String)] = [
        (nil, "no Authorization"),
        ("Bearer", "scheme only"),
        ("Bearer ", "empty token"),
        ("Bearer not-a-jwt", "not a JWT"),
        ("Bearer a.b.c", "three junk segments"),
        ("Basic ZXJpbjpwYXNzd29yZDE=", "Basic scheme"),
        ("Token abc", "unknown scheme"),
    ]

    @Test func meWithoutAValidTokenIs401WithABearerChallenge() async throws {
        try await F.withAuth { auth in
            for (value, why) in Self.badAuthorizations {
                var headers = HTTPHeaders()
                if let value { headers.add("Authorization", value) }
                let reply = try await auth.client.get("/auth/me", headers: headers)
                F.expectProblem(reply, status: 401, type: "/problems/unauthorized", why)
                #expect(reply.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true, "\(why)")
            }
        }
    }

    @Test func twentyConcurrentRegistrationsOfOneNameCreateExactlyOne() async throws {
        // Twenty hashes at once in a debug build would wait past SCRYPT_QUEUE_WAIT_MS_MAX's default (503).
        try await F.withAuth(["SCRYPT_QUEUE_WAIT_MS_MAX": "60000"]) { auth in
            let client = auth.client
            // Different cases of one name: unique case-insensitively.
            let names = ["Racer", "racer", "RACER", "rAcEr"]
            let replies = try await F.concurrently(20) { index in
                try await client.post("/auth/register", json: F.credentials(names[index % names.count], "password\(index)"))
            }
            let statuses = replies.map(\.status)
            #expect(statuses.filter { $0 == 201 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 409 }.count == 19, "\(statuses)")
            for reply in replies where reply.status == 409 {
                #expect(reply.string("type") == "/problems/username-taken")
            }
            // The winner's password is the one stored.
            let winner = try #require(replies.firstIndex { $0.status == 201 })
            let login = try await client.post("/auth/login", json: F.credentials("racer", "password\(winner)"))
            #expect(login.status == 200)
        }
    }

    @Test func unknownRouteAndWrongMethodAreProblems() async throws {
        try await F.withAuth { auth in
            F.expectProblem(try await auth.client.get("/auth/nothing"), status: 404, type: "/problems/not-found", "unknown")
            let wrongMethod = try await auth.client.get("/auth/login")
            F.expectProblem(wrongMethod, status: 405, type: "/problems/method-not-allowed", "GET login")
            #expect(wrongMethod.headers["Allow"]?.contains("POST") == true)
        }
    }
}
